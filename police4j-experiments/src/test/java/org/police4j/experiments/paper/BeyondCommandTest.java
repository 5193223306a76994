package org.police4j.experiments.paper;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.certify.Certificate;
import org.police4j.cli.Main;
import picocli.CommandLine;

class BeyondCommandTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    @TempDir Path tmp;

    @Test
    void tinyRunCertifiesEveryNetworkAndEveryRegionSeparately() throws IOException {
        BeyondCommand command = new BeyondCommand();
        CommandLine cli = new CommandLine(command);
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("--preset", "tiny", "--out", tmp.toString(), "--cost-steps", "2");
        assertThat(code).isZero();
        // 36 rule cells + 18 detached/exact cells + 3 regions + 2 target forms
        assertThat(command.certificates).hasSize(59).allMatch(Certificate::certified);
        String report = Files.readString(tmp.resolve("beyond_report.md"));
        assertThat(report)
                .contains("| target | region | MAJORITY | MINIMAL_SHIFT | CENTER | HYSTERESIS |")
                .containsPattern("\\| \\d\\.\\d{4} \\(\\d+\\.\\d s; flips \\d+/\\d+/\\d+/\\d+\\)")
                .contains("| target | region | exact gradient | detached |")
                .contains("| variant | ms (mean ± std, median) | median / triangle |")
                .contains("| exact projection | yes |");
        assertThat(report.lines().filter(l -> l.startsWith("| wave |") || l.startsWith("| rays |") || l.startsWith("| spiral |")))
                .hasSize(18);
        for (String png : new String[] {"multi_region.png", "affine_target.png"}) {
            BufferedImage img = ImageIO.read(tmp.resolve(png).toFile());
            assertThat(img).as(png).isNotNull();
            assertThat(img.getWidth()).isGreaterThan(2 * FiguresPreset.TINY.panelPixels() - 1);
        }
    }

    @Test
    void unknownPartsAreRefused() {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("beyond", "--only", "nope", "--out", tmp.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("--only: nope");
    }
}
