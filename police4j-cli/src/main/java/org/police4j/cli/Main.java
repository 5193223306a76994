package org.police4j.cli;

/** Entry point of the police4j command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("police4j");
    }
}
