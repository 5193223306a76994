package org.police4j.cli.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelEncodingTest {

    @Test
    void stringLabelsSortLexicographically() {
        LabelEncoding e = LabelEncoding.fit("y", List.of("dog", "cat", "dog", "bird", "Zebra"));
        assertThat(e.labels()).containsExactly("Zebra", "bird", "cat", "dog");
        assertThat(e.classes()).isEqualTo(4);
        assertThat(e.index("cat")).isEqualTo(2);
        assertThat(e.label(3)).isEqualTo("dog");
    }

    @Test
    void numericLabelsSortAsNumbers() {
        LabelEncoding e = LabelEncoding.fit("y", List.of("10", "9", "-1", "2.5", "9"));
        assertThat(e.labels()).containsExactly("-1", "2.5", "9", "10");
        assertThat(e.index("10")).isEqualTo(3);
        assertThat(e.index("9")).isEqualTo(2);
    }

    @Test
    void mixedLabelsSortAsStrings() {
        LabelEncoding e = LabelEncoding.fit("y", List.of("10", "9", "x"));
        assertThat(e.labels()).containsExactly("10", "9", "x");
    }

    @Test
    void fewerThanTwoClasses() {
        assertThatThrownBy(() -> LabelEncoding.fit("y", List.of("1", "1", "1")))
                .isInstanceOf(InputException.class)
                .hasMessage("classification needs at least 2 classes; column 'y' has only '1'");
    }

    @Test
    void sameNumberWrittenTwoWays() {
        assertThatThrownBy(() -> LabelEncoding.fit("y", List.of("1", "1.0", "2")))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("'1' and '1.0'");
    }

    @Test
    void unknownLabel() {
        LabelEncoding e = LabelEncoding.fit("y", List.of("a", "b"));
        assertThatThrownBy(() -> e.index("c"))
                .isInstanceOf(InputException.class)
                .hasMessage("unknown label 'c'; the known labels are: a, b");
    }

    @Test
    void fitAndEncodeTableNameFileLineAndColumn(@TempDir Path dir) throws IOException {
        Path train = dir.resolve("train.csv");
        Files.writeString(train, "x,y\n1,a\n2,b\n3,a\n");
        LabelEncoding e = LabelEncoding.fit(CsvTable.read(train), "y");
        assertThat(e.encode(CsvTable.read(train), "y")).containsExactly(0, 1, 0);

        Path test = dir.resolve("test.csv");
        Files.writeString(test, "x,y\n1,a\n2,c\n");
        assertThatThrownBy(() -> e.encode(CsvTable.read(test), "y"))
                .isInstanceOf(InputException.class)
                .hasMessage(test + " line 3, column 'y': unknown label 'c'; the known labels are: a, b");

        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, "x,y\n1,a\n2,\n");
        assertThatThrownBy(() -> LabelEncoding.fit(CsvTable.read(empty), "y"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(empty + " line 3, column 'y': the label is empty");
    }

    @Test
    void jsonRoundTrip() throws IOException {
        LabelEncoding e = LabelEncoding.fit("y", List.of("10", "9", "100"));
        ArrayNode json = e.toJson();
        String text = new ObjectMapper().writeValueAsString(json);
        assertThat(text).isEqualTo("[\"9\",\"10\",\"100\"]");
        JsonNode back = new ObjectMapper().readTree(text);
        LabelEncoding r = LabelEncoding.fromJson(back, "model.json");
        assertThat(r).isEqualTo(e);
        assertThat(r.labels()).containsExactly("9", "10", "100");
        assertThat(LabelEncoding.ofLabels(List.of("b", "a")).index("a")).isEqualTo(1);
    }

    @Test
    void badJsonRefused() throws IOException {
        ObjectMapper m = new ObjectMapper();
        assertThatThrownBy(() -> LabelEncoding.fromJson(m.readTree("[\"a\", 3]"), "model.json"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("model.json: labels[1] is 3");
        assertThatThrownBy(() -> LabelEncoding.fromJson(m.readTree("[\"a\", \"a\"]"), "model.json"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("model.json")
                .hasMessageContaining("'a' appears twice");
        assertThatThrownBy(() -> LabelEncoding.fromJson(m.readTree("{}"), "model.json"))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("expected a JSON array of strings");
    }
}
