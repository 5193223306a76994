package org.police4j.engine;

/**
 * How the engine picks, for each unit, the side of the kink on which the whole region must lie.
 * Any rule gives an exactly affine network; they differ in how far they move the units, and so
 * in how much they disturb training: a unit that changes side moves every later layer's inputs at
 * once. {@code docs/SIGN-RULES.md} compares them on the paper's Figure 2 tasks; MAJORITY is the
 * paper's rule and what the golden vectors, the paper reproduction and the CNN use.
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
    CENTER,
    /**
     * A side once chosen is kept until the whole region lies strictly on the other side of the
     * kink (then keeping it would take a shift wider than the unit's range, and the other side
     * takes none); a unit holding no side yet takes the side of its range's midpoint (the smaller
     * shift). Units then change side rarely, where MAJORITY and CENTER move them back and forth
     * as the vote or the centre crosses zero, each change jolting every later layer. The held
     * sides are state: the training forward updates them; inference, the fold and the
     * certificate read them.
     */
    HYSTERESIS;

    /** {@return whether the rule reads the sides the units held before (state kept by the network)} */
    public boolean remembers() {
        return this == HYSTERESIS;
    }
}
