package org.police4j.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The one progress bar of police4j (training in the library and the command line): ASCII, on
 * standard error, redrawn every 250 ms, of a fixed width ({@code COLUMNS} when set, else 100).
 *
 * <p>The width is fixed so that the library never opens a JLine terminal to ask for it: that
 * probe starts an {@code stty} child process and registers JLine's own signal handlers in the
 * user's JVM, which a library embedded in someone else's program should not do.
 */
public final class ConsoleProgress {

    private static final int DEFAULT_WIDTH = 100;

    private ConsoleProgress() {}

    /**
     * A bar counting to {@code max}.
     *
     * @param taskName shown at the bar's left
     * @param max the count at 100 %
     * @return a started bar; close it when done
     */
    public static ProgressBar bar(String taskName, long max) {
        return new ProgressBarBuilder()
                .setTaskName(taskName)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(System.err, width()))
                .build();
    }

    private static int width() {
        String columns = System.getenv("COLUMNS");
        if (columns != null) {
            try {
                int c = Integer.parseInt(columns.trim());
                if (c >= 40) {
                    return c - 1;
                }
            } catch (NumberFormatException e) {
                // not a number: the default width
            }
        }
        return DEFAULT_WIDTH;
    }
}
