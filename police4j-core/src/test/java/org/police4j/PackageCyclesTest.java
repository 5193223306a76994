package org.police4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of the core form layers (region, engine, nn, ...): no package may use a package
 * that uses it back, directly or through others, because a cycle lets a change on one side
 * silently reach the other and makes the layers impossible to read one at a time. Uses are read
 * from {@code src/main/java}: imports and fully qualified names in code (comments do not count, a
 * Javadoc link is not a dependency).
 */
class PackageCyclesTest {

    /** Back edges tolerated for now, "from -> to": none. */
    private static final Set<String> ALLOWED = Set.of();

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+org\\.police4j\\.([a-z0-9.]+);", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("\\borg\\.police4j\\.([a-z0-9]+(?:\\.[a-z0-9]+)*)\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

    @Test
    void noPackageUsesAPackageThatUsesItBack() throws IOException {
        Map<String, Set<String>> uses = uses(Path.of("src/main/java"));
        assertThat(uses).as("packages read from src/main/java").containsKeys("region", "engine", "nn");
        List<String> cycles = new ArrayList<>();
        for (String from : uses.keySet()) {
            for (String to : uses.get(from)) {
                if (ALLOWED.contains(from + " -> " + to)) {
                    continue;
                }
                List<String> back = path(uses, to, from);
                if (back != null) {
                    cycles.add(from + " -> " + String.join(" -> ", back));
                }
            }
        }
        assertThat(cycles).as("package cycles (each listed from every package on it)").isEmpty();
    }

    @Test
    void theEngineDoesNotUseTheNetworkPackage() throws IOException {
        Map<String, Set<String>> uses = uses(Path.of("src/main/java"));
        assertThat(uses.get("engine")).doesNotContain("nn", "fold", "certify", "conv", "io", "train");
        assertThat(uses.getOrDefault("region", Set.of())).as("region uses only numeric").isSubsetOf("numeric");
        assertThat(uses.getOrDefault("numeric", Set.of())).as("numeric, the bottom, uses nothing").isEmpty();
    }

    /** The shortest path of uses from {@code start} to {@code goal}, skipping allowed edges, or null. */
    private static List<String> path(Map<String, Set<String>> uses, String start, String goal) {
        Map<String, String> parent = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        parent.put(start, null);
        while (!queue.isEmpty()) {
            String at = queue.poll();
            if (at.equals(goal)) {
                List<String> path = new ArrayList<>();
                for (String p = at; p != null; p = parent.get(p)) {
                    path.add(0, p);
                }
                return path;
            }
            for (String next : uses.getOrDefault(at, Set.of())) {
                if (!parent.containsKey(next) && !ALLOWED.contains(at + " -> " + next)) {
                    parent.put(next, at);
                    queue.add(next);
                }
            }
        }
        return null;
    }

    /** Per package (below org.police4j), the other packages its code uses. */
    private static Map<String, Set<String>> uses(Path sources) throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String code = COMMENT.matcher(Files.readString(file, StandardCharsets.UTF_8)).replaceAll(" ");
            Matcher pkg = PACKAGE.matcher(code);
            if (!pkg.find()) {
                continue; // the root package-info
            }
            String from = pkg.group(1);
            Set<String> used = uses.computeIfAbsent(from, k -> new TreeSet<>());
            Matcher use = USE.matcher(code);
            while (use.find()) {
                String to = use.group(1);
                if (!to.equals(from)) {
                    used.add(to);
                }
            }
        }
        return uses;
    }
}
