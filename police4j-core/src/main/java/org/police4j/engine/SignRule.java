package org.police4j.engine;

/**
 * How the engine picks, for each unit, the side of the kink on which the whole region must lie.
 * Any rule gives an exactly affine network; they differ in how far they move the units, and so
 * in how much they disturb training.
 */
public enum SignRule {
    /**
     * The paper's rule: the side of at least half of the vertices (ties go to +1). Needs explicit
     * vertices.
     */
    MAJORITY,
    /** The side that needs the smaller shift (zero when the region is already on one side). */
    MINIMAL_SHIFT,
    /** The side of the region's centre. */
    CENTER
}
