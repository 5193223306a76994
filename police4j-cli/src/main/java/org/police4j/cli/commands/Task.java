package org.police4j.cli.commands;

/** What {@code train} learns (the values of its {@code --task}). */
enum Task {
    regression,
    classification
}
