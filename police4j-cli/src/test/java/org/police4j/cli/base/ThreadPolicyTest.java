package org.police4j.cli.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.police4j.cli.Main;
import org.police4j.cli.commands.Cli;
import org.police4j.cli.data.InputException;

class ThreadPolicyTest {

    private Properties saved;

    @BeforeEach
    void clear() {
        saved = (Properties) System.getProperties().clone();
        System.clearProperty(ThreadPolicy.INTRA_OP);
        System.clearProperty(ThreadPolicy.INTER_OP);
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    @Test
    void defaultIsOneIntraOpAndOneInterOpThread() {
        ThreadPolicy.apply(null, null);
        assertThat(System.getProperty(ThreadPolicy.INTRA_OP)).isEqualTo("1");
        assertThat(System.getProperty(ThreadPolicy.INTER_OP)).isEqualTo("1");
        assertThat(ThreadPolicy.describe()).isEqualTo("1 (default)");
    }

    @Test
    void threadsOptionWins() {
        System.setProperty(ThreadPolicy.INTRA_OP, "4");
        ThreadPolicy.apply(3, "2");
        assertThat(System.getProperty(ThreadPolicy.INTRA_OP)).isEqualTo("3");
        assertThat(System.getProperty(ThreadPolicy.INTER_OP)).isEqualTo("3");
        assertThat(ThreadPolicy.describe()).isEqualTo("3 (--threads)");
    }

    @Test
    void userPropertyIsKept() {
        System.setProperty(ThreadPolicy.INTRA_OP, "2");
        ThreadPolicy.apply(null, null);
        assertThat(System.getProperty(ThreadPolicy.INTRA_OP)).isEqualTo("2");
        assertThat(ThreadPolicy.describe()).contains("2 (-Dai.djl.pytorch.num_threads)");
    }

    @Test
    void ompEnvironmentIsKept() {
        ThreadPolicy.apply(null, "4");
        // PyTorch reads OMP_NUM_THREADS itself: no property that would override it
        assertThat(System.getProperty(ThreadPolicy.INTRA_OP)).isNull();
        assertThat(System.getProperty(ThreadPolicy.INTER_OP)).isEqualTo("1");
    }

    @Test
    void nonPositiveThreadsAreBadInput() {
        assertThatThrownBy(() -> ThreadPolicy.apply(0, null))
                .isInstanceOf(InputException.class)
                .hasMessage("--threads: 0; expected a positive integer");
    }

    @Test
    void everyCommandHasThreadsAndRejectsZero() {
        for (String command : new String[] {"train", "verify", "predict", "export", "info"}) {
            assertThat(Main.commandLine().getSubcommands().get(command).getCommandSpec().findOption("--threads"))
                    .as(command).isNotNull();
        }
        Cli.Result r = Cli.inProcess("train", "--threads", "0", "--data", "unused.csv", "--target", "y",
                "--task", "regression", "--no-region", "--out", "unused-never-created");
        assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).contains("police4j: --threads: 0; expected a positive integer");
        assertThat(new java.io.File("unused-never-created")).doesNotExist();
    }

    @Test
    void noCommandPrintsUsageToStandardErrorAndExits2() {
        Cli.Result r = Cli.inProcess();
        assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("no command given").contains("Usage: police4j");
    }
}
