package org.police4j.cli.base;

import java.util.List;

/**
 * More subcommands for the {@code police4j} command line, found at start-up with {@link
 * java.util.ServiceLoader}: a module on the class path that lists its implementation in {@code
 * META-INF/services/org.police4j.cli.base.CommandSet} adds its commands after the user's own (the
 * paper's experiments do so). This way the command line offers every command in one jar while its
 * own module never imports the modules that extend it.
 */
public interface CommandSet {

    /**
     * The picocli command classes to add, in the order help lists them; each is annotated with
     * {@code @Command(name = ...)}, has a public no-argument constructor and, like the user
     * commands, the {@link ThreadsOption} mixin (usually by extending {@link CliCommand}).
     */
    List<Class<?>> commands();
}
