package org.police4j.cli.commands;

import org.police4j.cli.Main;
import picocli.CommandLine.Command;

/** The police4j version string, from {@link Main}'s {@code @Command(version = ...)}. */
final class VersionInfo {

    private VersionInfo() {}

    static String version() {
        Command c = Main.class.getAnnotation(Command.class);
        return c == null || c.version().length == 0 ? "unknown" : c.version()[0];
    }
}
