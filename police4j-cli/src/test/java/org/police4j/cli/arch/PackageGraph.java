package org.police4j.cli.arch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which package of a source tree uses which, read from the Java sources (imports and fully
 * qualified names in code; comments and string literals ignored), and the cycles among them.
 *
 * <p>A package that uses a package that uses it back cannot be understood, tested or moved on its
 * own; the compiler does not object, so this check does. Only packages declared in the tree count:
 * a cycle through another module would need that module to import this one, which Maven refuses.
 */
public final class PackageGraph {

    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    /** A dotted name whose next segment starts with a capital: a type in that package. */
    private static final Pattern QUALIFIED = Pattern.compile("\\b((?:[a-z_][a-z0-9_]*\\.)+)[A-Z]\\w*");

    /** package -> used package -> the first file and type that shows it. */
    private final Map<String, Map<String, String>> uses = new TreeMap<>();

    private PackageGraph() {}

    /** Reads every {@code .java} file under {@code sourceRoot}. */
    public static PackageGraph read(Path sourceRoot) {
        if (!Files.isDirectory(sourceRoot)) {
            throw new IllegalArgumentException("sourceRoot " + sourceRoot.toAbsolutePath() + " is not a directory");
        }
        Map<Path, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                sources.put(sourceRoot.relativize(f), stripCommentsAndStrings(Files.readString(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PackageGraph graph = new PackageGraph();
        Map<Path, String> packageOf = new HashMap<>();
        sources.forEach((file, code) -> {
            Matcher m = PACKAGE.matcher(code);
            String pkg = m.find() ? m.group(1) : "";
            packageOf.put(file, pkg);
            graph.uses.computeIfAbsent(pkg, k -> new TreeMap<>());
        });
        sources.forEach((file, code) -> {
            String from = packageOf.get(file);
            Matcher m = QUALIFIED.matcher(code);
            while (m.find()) {
                String to = m.group(1).substring(0, m.group(1).length() - 1);
                if (!to.equals(from) && graph.uses.containsKey(to)) {
                    graph.uses.get(from).putIfAbsent(to, file + " uses " + m.group());
                }
            }
        });
        return graph;
    }

    /** The packages found. */
    public List<String> packages() {
        return List.copyOf(uses.keySet());
    }

    /** The packages {@code pkg} uses (within the tree). */
    public List<String> uses(String pkg) {
        return List.copyOf(uses.getOrDefault(pkg, Map.of()).keySet());
    }

    /**
     * One cycle per group of packages that reach each other, each written {@code a -> b -> a} with
     * the file and type behind every arrow; empty when the packages form layers.
     */
    public List<String> cycles() {
        List<String> found = new ArrayList<>();
        for (List<String> group : stronglyConnected()) {
            if (group.size() < 2) {
                continue;
            }
            List<String> path = shortestCycle(group.get(0), new TreeSet<>(group));
            StringBuilder sb = new StringBuilder(String.join(" -> ", path));
            for (int i = 0; i + 1 < path.size(); i++) {
                sb.append("\n    ").append(uses.get(path.get(i)).get(path.get(i + 1)));
            }
            found.add(sb.toString());
        }
        return found;
    }

    /** Breadth-first from {@code start} back to itself, inside {@code group}. */
    private List<String> shortestCycle(String start, TreeSet<String> group) {
        Map<String, String> parent = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            String p = queue.poll();
            for (String q : uses.get(p).keySet()) {
                if (!group.contains(q)) {
                    continue;
                }
                if (q.equals(start)) {
                    List<String> path = new ArrayList<>();
                    path.add(start);
                    for (String at = p; !at.equals(start); at = parent.get(at)) {
                        path.add(1, at);
                    }
                    path.add(start);
                    return path;
                }
                if (!parent.containsKey(q)) {
                    parent.put(q, p);
                    queue.add(q);
                }
            }
        }
        throw new IllegalStateException("no cycle through " + start + " in " + group);
    }

    /** Tarjan's strongly connected components, each sorted. */
    private List<List<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> out = new ArrayList<>();
        for (String p : uses.keySet()) {
            if (!index.containsKey(p)) {
                visit(p, index, low, stack, out);
            }
        }
        return out;
    }

    private void visit(String p, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            List<List<String>> out) {
        index.put(p, index.size());
        low.put(p, index.get(p));
        stack.push(p);
        for (String q : uses.get(p).keySet()) {
            if (!index.containsKey(q)) {
                visit(q, index, low, stack, out);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (stack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            TreeSet<String> group = new TreeSet<>();
            String q;
            do {
                q = stack.pop();
                group.add(q);
            } while (!q.equals(p));
            out.add(List.copyOf(group));
        }
    }

    /** Blanks comments, string and character literals and text blocks, keeping the code's layout. */
    static String stripCommentsAndStrings(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? n : end + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                i = Math.min(n, j + 1);
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
