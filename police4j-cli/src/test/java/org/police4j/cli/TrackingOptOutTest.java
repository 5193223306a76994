package org.police4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The command line must switch off DJL's usage tracking (an HTTP request at engine start). */
class TrackingOptOutTest {

    @Test
    void loadingTheCommandLineOptsOutUnlessTheUserChose() {
        String before = System.getProperty(Main.OPT_OUT_TRACKING);
        try {
            System.clearProperty(Main.OPT_OUT_TRACKING);
            Main.optOutOfTracking();
            if (System.getenv(Main.OPT_OUT_TRACKING) == null) {
                assertThat(System.getProperty(Main.OPT_OUT_TRACKING)).isEqualTo("true");
            }
            System.setProperty(Main.OPT_OUT_TRACKING, "false");
            Main.optOutOfTracking();
            assertThat(System.getProperty(Main.OPT_OUT_TRACKING)).isEqualTo("false");
        } finally {
            if (before == null) {
                System.clearProperty(Main.OPT_OUT_TRACKING);
            } else {
                System.setProperty(Main.OPT_OUT_TRACKING, before);
            }
        }
    }
}
