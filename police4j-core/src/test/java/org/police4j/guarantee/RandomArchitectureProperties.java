package org.police4j.guarantee;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * The guarantee over random architectures ({@link RandomGraphCase}: dense MLPs; CNNs with
 * grouped, dilated, strided and padded convs, batch-norm, tiling, overlapping and padded
 * max-pools, average pools with ceil mode, global average pool; residual and concatenating
 * graphs, dense and convolutional, an overlapping max-pool inside a branch, max-pools after a join and first
 * in a branch, conv groups left linear before the next conv, networks without a linear head; vertex regions spanned by a few
 * random inputs, two of them apart, and boxes; inputs at scales 1, 1000 and 1e-3), each trained a few AdamW steps.
 * Before the first step and after every step the folded network (as {@code Certify.policed} folds
 * it) is judged by the independent {@link org.police4j.testing.ExactChecker} on the region's
 * points and by the certificate: both must say affine (else training broke the guarantee, or a
 * judge is wrong), and the folded network at interior points must be the barycentric
 * interpolation of its exact outputs at the region's points. As a negative control, the trained
 * network with one first-layer unit's kink moved between the points must be refuted by both. A
 * refuted case is a bug to report
 * with its seed ({@code RandomGraphCase.draw(seed)} reproduces it), never a reason to weaken this.
 */
class RandomArchitectureProperties {

    static final AtomicInteger CASES = new AtomicInteger();
    static final AtomicInteger CHECKS = new AtomicInteger();
    static final AtomicInteger REFUTED = new AtomicInteger();
    static final Map<String, Integer> BY_SCALE = new TreeMap<>();
    static final Map<String, Integer> BY_KIND = new TreeMap<>();
    static double seconds;

    @Property(tries = 60, seed = "20261207")
    void affineAndCertifiedAfterEveryStep(@ForAll @LongRange(min = 0, max = 1_000_000_000L) long seed) {
        RandomGraphCase c = RandomGraphCase.draw(seed);
        CaseRunner.GraphReport r = CaseRunner.run(c);
        synchronized (BY_SCALE) {
            CASES.incrementAndGet();
            CHECKS.addAndGet(r.checks().size());
            BY_SCALE.merge(String.valueOf(c.scale()), 1, Integer::sum);
            for (String feature : features(c)) {
                BY_KIND.merge(feature, 1, Integer::sum);
            }
            seconds += r.seconds();
            if (r.broken() != null && r.broken().outcome() == CaseRunner.Outcome.ENGINE_FAILURE) {
                REFUTED.incrementAndGet();
            }
        }
        assertThat(r.error()).as("%s", c).isNull();
        assertThat(r.checks()).as("%s", c).hasSize((c.steps() + 1) * c.regions().size());
        for (CaseRunner.Check k : r.checks()) {
            assertThat(k.outcome()).as("%s: step %d, checker %s, certified %b", c, k.step(), k.exact(), k.certified())
                    .isEqualTo(CaseRunner.Outcome.OK);
        }
        assertThat(r.interpolation()).as("%s", c).isNull();
        if (r.broken() != null) {
            assertThat(r.broken().outcome())
                    .as("%s: one unit's kink moved between the points: checker %s, certified %b", c, r.broken().exact(),
                            r.broken().certified())
                    .isEqualTo(CaseRunner.Outcome.ENGINE_FAILURE);
        }
    }

    /** What a case contains, for the summary (a case counts under each of its features). */
    static java.util.List<String> features(RandomGraphCase c) {
        java.util.List<String> out = new java.util.ArrayList<>();
        String a = c.architecture();
        out.add(a.startsWith("mlp") ? "mlp" : "cnn");
        out.add(c.regions().get(0) instanceof org.police4j.region.Box ? "box" : "vertices");
        out.add(c.activation().id());
        if (c.regions().size() > 1) {
            out.add("two regions");
        }
        if (c.regions().get(0) instanceof org.police4j.region.Box && (a.contains("residual") || a.contains("concat"))) {
            out.add("graph on a box");
        }
        for (String f : new String[] {"/g", "/d", "/s", "bn", "maxpool/overlap", "/pad", "avgpool", "/ceil", "gap", "residual", "concat", "graph-maxpool", "graph-avgpool", "pool-after-join",
                "pool-first-in-branch", "linear-conv", "no-head"}) {
            if (a.contains(f)) {
                out.add(f);
            }
        }
        if (a.contains("maxpool") && !a.contains("maxpool/overlap")) {
            out.add("tiling maxpool");
        }
        return out;
    }

    @AfterContainer
    static void summary() {
        System.out.printf("random architectures: %d cases, %d checks (every one affine and certified), %d broken"
                + " networks refuted by both judges, scales %s, kinds %s, %.1f s%n", CASES.get(), CHECKS.get(),
                REFUTED.get(), BY_SCALE, BY_KIND, seconds);
    }
}
