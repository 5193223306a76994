package org.police4j.engine;

/**
 * How the engine picks, for each unit, the side of the kink on which the whole region must lie.
 * Any rule gives an exactly affine network; they differ in how far they move the units, and so
 * in how much they disturb training. Measured on the paper's Figure 2 tasks (three seeds), CENTER
 * reached the lowest final loss, so it is {@code PolicedMlp}'s default; MAJORITY is the paper's
 * rule and what the golden vectors, the paper reproduction and the CNN use.
 */
public enum SignRule {
    /**
     * The paper's rule: the side of at least half of the vertices (ties go to +1). Needs explicit
     * vertices.
     */
    MAJORITY,
    /** The side that needs the smaller shift (zero when the region is already on one side). */
    MINIMAL_SHIFT,
    /** The side of the region's centre (for vertices: of their mean, exact for an affine layer). */
    CENTER
}
