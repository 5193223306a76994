package org.police4j.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.cli.Main;
import org.police4j.cli.base.ExitCodes;

/** Ctrl-C (SIGINT) during train: exit 130, one line on stderr, no model directory and no temporary left. */
class InterruptTest {

    @TempDir Path dir;

    @Test
    @EnabledOnOs(OS.LINUX)
    void sigintDuringTrainingExits130AndLeavesNothing() throws IOException, InterruptedException {
        // Started under nohup or as a background job of a script, this JVM ignores SIGINT, the
        // child inherits that, and the JVM then keeps ignoring it (as a nohup'ed program should):
        // Ctrl-C cannot be tested there.
        Assumptions.assumeFalse(sigintIgnored(), "SIGINT is ignored in this process (nohup or a background job), "
                + "so its children cannot receive it; the Ctrl-C test needs a normal foreground environment");
        Path data = dir.resolve("d.csv");
        CommandErrorsTest.writeData(data, 40);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path err = dir.resolve("err.txt");
        // no --quiet: the progress bar's first line on stderr says training has started
        Process p = new ProcessBuilder(java.toString(), "-cp", cp, Main.class.getName(), "train", "--data",
                data.toString(), "--target", "y", "--task", "regression", "--region", "box:-1,1,2",
                "--hidden", "32,32", "--steps", "10000000", "--out", dir.resolve("model").toString())
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(err.toFile())
                .start();
        try {
            // wait (up to 2 minutes, not a timing assertion) until the bar shows a step
            for (int i = 0; i < 1200 && !Files.readString(err).contains("train"); i++) {
                Thread.sleep(100);
            }
            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGINT").isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(Files.readString(err)).contains("police4j: interrupted (exit 130); outputs are replaced atomically");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrderElementsOf(List.of("d.csv", "out.txt", "err.txt"));
        }
    }

    /** Whether SIGINT (bit 1 of the SigIgn mask) is ignored by this process, as /proc says. */
    private static boolean sigintIgnored() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 2L) != 0;
            }
        }
        return false;
    }
}
