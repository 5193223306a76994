package org.police4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StepScheduleTest {

    @Test
    void dropsLikePyTorchStepLr() {
        StepSchedule s = new StepSchedule(1f, 30, 0.5);
        assertThat(s.getNewValue(1)).isEqualTo(1f);
        assertThat(s.getNewValue(30)).isEqualTo(1f);
        assertThat(s.getNewValue(31)).isEqualTo(0.5f);
        assertThat(s.getNewValue(60)).isEqualTo(0.5f);
        assertThat(s.getNewValue(61)).isEqualTo(0.25f);
    }

    @Test
    void aSingleDropIsAllowed() {
        // 60 steps, every 30: one drop (DJL's MultiFactorTracker refuses this).
        TrainingSettings t = new TrainingSettings(60, 1e-3, 0, 30, 0.3, LossKind.MSE, 0, 1);
        assertThat(Fit.schedule(t).getNewValue(45)).isEqualTo((float) (1e-3 * 0.3));
    }
}
