package org.police4j.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColumnSelectionTest {

    private static final List<String> COLS = List.of("a", "b", "c");

    @Test
    void featuresDefaultToAllNonTargetColumnsInFileOrder() {
        ColumnSelection s = ColumnSelection.of(COLS, "data.csv", List.of("b"), null);
        assertThat(s.targets()).containsExactly("b");
        assertThat(s.features()).containsExactly("a", "c");
        assertThat(ColumnSelection.of(COLS, "data.csv", List.of("b"), List.of()).features())
                .containsExactly("a", "c");
    }

    @Test
    void explicitFeaturesKeepTheirOrder() {
        ColumnSelection s = ColumnSelection.of(COLS, "data.csv", List.of("a"), List.of("c", "b"));
        assertThat(s.features()).containsExactly("c", "b");
    }

    @Test
    void fromTable(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("data.csv");
        Files.writeString(p, "x1,x2,y\n1,2,3\n");
        ColumnSelection s = ColumnSelection.of(CsvTable.read(p), List.of("y"), null);
        assertThat(s.features()).containsExactly("x1", "x2");
        assertThatThrownBy(() -> ColumnSelection.of(CsvTable.read(p), List.of("z"), null))
                .hasMessage("target column 'z' not found in " + p + "; columns are: x1, x2, y");
    }

    @Test
    void missingTarget() {
        assertThatThrownBy(() -> ColumnSelection.of(COLS, "data.csv", List.of("y"), null))
                .isInstanceOf(InputException.class)
                .hasMessage("target column 'y' not found in data.csv; columns are: a, b, c");
    }

    @Test
    void missingFeature() {
        assertThatThrownBy(
                        () -> ColumnSelection.of(COLS, "data.csv", List.of("c"), List.of("a", "q")))
                .isInstanceOf(InputException.class)
                .hasMessage("feature column 'q' not found in data.csv; columns are: a, b, c");
    }

    @Test
    void columnBothTargetAndFeature() {
        assertThatThrownBy(
                        () -> ColumnSelection.of(COLS, "data.csv", List.of("c"), List.of("a", "c")))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("column 'c'")
                .hasMessageContaining("data.csv")
                .hasMessageContaining("both a target and a feature");
    }

    @Test
    void noFeatureLeft() {
        assertThatThrownBy(
                        () -> ColumnSelection.of(List.of("y"), "data.csv", List.of("y"), null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("no feature column left in data.csv");
    }

    @Test
    void noTargetOrRepeatedName() {
        assertThatThrownBy(() -> ColumnSelection.of(COLS, "data.csv", List.of(), null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("no target column given for data.csv");
        assertThatThrownBy(() -> ColumnSelection.of(COLS, "data.csv", List.of("a", "a"), null))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("target column 'a' is given twice");
    }
}
