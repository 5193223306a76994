package org.police4j.cli.commands;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.police4j.cli.Main;
import picocli.CommandLine;

/** Runs the command line in-process (fast) or as a real subprocess, capturing its output. */
public final class Cli {

    /** What a run printed and returned. */
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private Cli() {}

    /** {@code Main.commandLine().execute(args)} with captured stdout and stderr. */
    public static Result inProcess(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /**
     * Runs {@code java -cp <test class path> org.police4j.cli.Main args} in {@code workDir}: the
     * real command, with the classes under test (not a possibly stale shaded jar).
     */
    static Result subprocess(Path workDir, String... args) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        Path outFile = Files.createTempFile(workDir, "stdout", ".txt");
        Path errFile = Files.createTempFile(workDir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // one PyTorch thread: tiny networks, and no spinning OpenMP threads on a busy machine
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb
                .directory(workDir.toFile())
                .redirectOutput(outFile.toFile())
                .redirectError(errFile.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", args));
        }
        String out = Files.readString(outFile, StandardCharsets.UTF_8);
        String err = Files.readString(errFile, StandardCharsets.UTF_8);
        Files.delete(outFile);
        Files.delete(errFile);
        return new Result(p.exitValue(), out, err);
    }

    static String path(Path p) {
        return p.toAbsolutePath().toString();
    }

    static String sep() {
        return File.separator;
    }
}
