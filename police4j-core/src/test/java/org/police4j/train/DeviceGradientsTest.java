package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.police4j.nn.PolicedMlp;

/**
 * Several devices (here two and three CPU devices, each with its own copy of the network): the
 * gradient of 90 rows in blocks of 16 is the one-device block gradient bit for bit (not DJL's
 * k-times sum) and the one-forward gradient to rounding; 20 AdamW steps on two devices equal one
 * device's bit for bit, in blocks of 16 and with the whole batch as one block, every step certified.
 */
class DeviceGradientsTest {

    @Test
    void devicesGiveTheOneDeviceGradient() {
        Random rnd = new Random(5);
        float[][] x = ShardGradientTest.inputs(rnd);
        float[][] y = ShardGradientTest.targets(x);
        try (Model model = Model.newInstance("devices")) {
            PolicedMlp block = BlockGradientTest.network();
            model.setBlock(block);
            Fit.initialize(block, model, 7);
            NDManager m = model.getNDManager();
            ShardGradient one = BlockGradient.of(block, m.create(x), m.create(y), LossKind.MSE, BlockGradientTest.B);
            for (int k : new int[] {2, 3}) {
                List<Device> devices = new ArrayList<>();
                for (int i = 0; i < k; i++) {
                    devices.add(Device.cpu());
                }
                try (DeviceGradients several = new DeviceGradients(block, devices, BlockGradientTest.B)) {
                    BlockGradientTest.assertSameBits(several.compute(block, m.create(x), m.create(y), LossKind.MSE), one);
                }
            }
            BlockGradientTest.assertCloseToOneForward(block, m, x, y, one);
        }
    }

    @Test
    void twentyStepsOnTwoDevicesEqualOneDevice() {
        Random rnd = new Random(6);
        float[][] x = ShardGradientTest.inputs(rnd);
        float[][] y = ShardGradientTest.targets(x);
        TrainingSettings settings = new TrainingSettings(20, 5e-3, 1e-4, 0, 1, LossKind.MSE, 0, 11);
        List<Device> two = List.of(Device.cpu(), Device.cpu());
        for (int blockRows : new int[] {BlockGradientTest.B, BlockGradient.DEFAULT_BLOCK_ROWS}) {
            int rows = blockRows;
            List<float[]> one = BlockGradientTest.train(x, y, settings, (f, model, block) -> f.optBlockRows(rows));
            List<float[]> both = BlockGradientTest.train(x, y, settings,
                    (f, model, block) -> f.optBlockRows(rows).optDevices(two));
            for (int p = 0; p < one.size(); p++) {
                assertThat(both.get(p)).as("blocks of %d, parameter %d", blockRows, p).containsExactly(one.get(p));
            }
        }
    }

    @Test
    void devicesAndGradientsFromElsewhereAreRefusedTogether() {
        try (Model model = Model.newInstance("refuse")) {
            PolicedMlp block = BlockGradientTest.network();
            model.setBlock(block);
            NDManager m = model.getNDManager();
            Fit fit = Fit.create().optDevices(List.of(Device.cpu(), Device.cpu())).optGradients((s, b) -> null);
            TrainingSettings s = new TrainingSettings(1, 5e-3, 1e-4, 0, 1, LossKind.MSE, 0, 11);
            assertThatThrownBy(() -> fit.fit(model, m.create(new float[4][2]), m.create(new float[4][1]), s))
                    .hasMessageContaining("devices: [cpu(), cpu()]");
        }
    }
}
