package org.police4j.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.police4j.cli.Main;
import org.police4j.cli.base.ExitCodes;
import org.police4j.cli.commands.Cli;

/** The experiments reach the command line only through the ServiceLoader registration. */
class ExperimentCommandsTest {

    private static final List<String> USER = List.of("train", "verify", "predict", "export", "info");
    private static final List<String> EXPERIMENTS = List.of("figures", "table1", "beyond", "fashion");

    @Test
    void mainFindsTheExperimentsAfterTheUserCommands() {
        List<String> names = List.copyOf(Main.commandLine().getSubcommands().keySet());
        assertThat(names).containsSubsequence(USER).containsSubsequence(EXPERIMENTS);
        assertThat(names.indexOf("fashion")).isEqualTo(names.size() - 1);
        assertThat(names.indexOf("info")).isLessThan(names.indexOf("figures"));
    }

    @Test
    void everyExperimentHasThreadsAndRejectsZero() {
        for (String command : EXPERIMENTS) {
            assertThat(Main.commandLine().getSubcommands().get(command).getCommandSpec().findOption("--threads"))
                    .as(command).isNotNull();
        }
        Cli.Result r = Cli.inProcess("figures", "--threads", "0", "--out", "unused-never-created");
        assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("police4j: --threads: 0; expected a positive integer");
        assertThat(new File("unused-never-created")).doesNotExist();
    }

    @Test
    void helpListsEveryCommand() {
        Cli.Result r = Cli.inProcess("--help");
        assertThat(r.code()).isEqualTo(ExitCodes.OK);
        for (String command : USER) {
            assertThat(r.out()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
        }
        for (String command : EXPERIMENTS) {
            assertThat(r.out()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
        }
    }
}
