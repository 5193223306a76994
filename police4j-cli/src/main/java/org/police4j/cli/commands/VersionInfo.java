package org.police4j.cli.commands;

import org.police4j.cli.base.Version;

/** The police4j version string recorded in model files. */
final class VersionInfo {

    private VersionInfo() {}

    static String version() {
        return Version.TEXT;
    }
}
