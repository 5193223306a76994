package org.police4j.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch engine must load from the classpath jars alone: a fresh JVM with an empty DJL cache,
 * DJL's offline switch on, and (where {@code unshare -n} works, as root on Linux) no network
 * interface at all, still runs a matrix product.
 */
class OfflineEngineTest {

    /** Runs in the child JVM. */
    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(2, 2));
            float[] product = a.matMul(a).toFloatArray();
            System.out.println("ENGINE " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
            System.out.println("PRODUCT " + product[0] + " " + product[1] + " " + product[2] + " " + product[3]);
        }
    }

    @Test
    void engineLoadsFromTheClasspathWithoutNetworkOrCache(@TempDir Path cache) throws Exception {
        List<String> command = new ArrayList<>();
        boolean isolated = unshareWorks();
        if (isolated) {
            command.addAll(List.of("unshare", "-n"));
        }
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        command.addAll(
                List.of(
                        java.toString(),
                        "-Dai.djl.offline=true",
                        "-DOPT_OUT_TRACKING=true",
                        "-DDJL_CACHE_DIR=" + cache,
                        "-DENGINE_CACHE_DIR=" + cache,
                        "-cp",
                        System.getProperty("java.class.path"),
                        OfflineEngineTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        // A clean environment: the caller's DJL and PyTorch variables (ENGINE_CACHE_DIR,
        // DJL_CACHE_DIR, PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, JAVA_TOOL_OPTIONS, ...) would
        // point the engine elsewhere than the empty cache under test.
        Map<String, String> env = pb.environment();
        String path = env.get("PATH");
        env.clear();
        if (path != null) {
            env.put("PATH", path);
        }
        env.put("DJL_CACHE_DIR", cache.toString());
        env.put("ENGINE_CACHE_DIR", cache.toString());
        env.put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        System.out.println("offline engine check (network namespace isolated: " + isolated + ")");
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("ENGINE PyTorch").contains("PRODUCT 7.0 10.0 15.0 22.0");
        assertThat(out).doesNotContain("Downloading");
        try (var files = Files.walk(cache)) {
            assertThat(files.anyMatch(f -> f.getFileName().toString().startsWith("libtorch")))
                    .as("native library extracted from the classpath jar into the empty cache")
                    .isTrue();
        }
    }

    private static boolean unshareWorks() {
        try {
            Process p = new ProcessBuilder("unshare", "-n", "true").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
