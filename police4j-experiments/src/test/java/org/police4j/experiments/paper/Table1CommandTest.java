package org.police4j.experiments.paper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.cli.Main;
import org.police4j.cli.base.ExitCodes;
import picocli.CommandLine;

class Table1CommandTest {

    @TempDir Path tmp;

    @Test
    void smallConfigsGiveOneRowEachOnTheConsoleAndInTheCsv() throws IOException {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("table1", "--configs", "2:2:16, 3:1:8", "--steps", "3", "--warmup", "1",
                "--out", tmp.toString());
        assertThat(code).isZero();
        String console = out.toString();
        assertThat(console).contains("Machine:").contains("cores").contains("Environment:");
        List<String> table = console.lines().filter(l -> l.startsWith("|")).toList();
        assertThat(table.get(0)).contains("| D | L | W |").contains("slow-down").contains("detached slow-down")
                .contains("folded/unconstrained");
        assertThat(table).hasSize(4);
        assertThat(table.get(2)).startsWith("| 2 | 2 | 16 |");
        assertThat(table.get(3)).startsWith("| 3 | 1 | 8 |");

        List<CSVRecord> records;
        try (Reader r = Files.newBufferedReader(tmp.resolve("table1.csv"))) {
            records = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).build().parse(r).getRecords();
        }
        assertThat(records).hasSize(2);
        CSVRecord first = records.get(0);
        assertThat(first.getParser().getHeaderNames()).containsExactly(Table1Command.COLUMNS);
        assertThat(first.get("D")).isEqualTo("2");
        assertThat(first.get("P")).isEqualTo("3");
        assertThat(first.get("N")).isEqualTo("1024");
        assertThat(first.get("steps")).isEqualTo("3");
        for (CSVRecord rec : records) {
            for (String col : Table1Command.COLUMNS) {
                double v = Double.parseDouble(rec.get(col));
                // a spread of three sub-millisecond timings can print as 0.0000; every other column is a size or a time
                if (col.endsWith("_std_ms")) {
                    assertThat(v).as(col).isNotNegative().isFinite();
                } else {
                    assertThat(v).as(col).isPositive().isFinite();
                }
            }
        }
        assertThat(Double.parseDouble(first.get("flop_floor"))).isEqualTo(1027.0 / 1024, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(Double.parseDouble(first.get("detached_floor"))).isEqualTo(3075.0 / 3072, org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void badConfigsAreBadInput() {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertThat(cli.execute("table1", "--configs", "2:2", "--out", tmp.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("--configs").contains("2:2");
        assertThat(cli.execute("table1", "--preset", "slow", "--out", tmp.toString())).isEqualTo(ExitCodes.BAD_INPUT);
    }

    @Test
    void statsAreMeanPopulationStdAndMedian() {
        Table1Command.Stats s = Table1Command.Stats.of(new double[] {1, 2, 3, 10});
        assertThat(s.mean()).isEqualTo(4.0);
        assertThat(s.median()).isEqualTo(2.5);
        assertThat(s.std()).isCloseTo(Math.sqrt((9 + 4 + 1 + 36) / 4.0), org.assertj.core.data.Offset.offset(1e-12));
    }
}
