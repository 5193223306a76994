package org.police4j.certify;

import org.police4j.fold.FoldedWeights;
import org.police4j.region.SupportRegion;

// TEMPORARY placeholder, replaced by the supportcert branch.
public final class SupportCertifier {
    private SupportCertifier() {}

    public static Certificate certify(FoldedWeights net, SupportRegion region, double[][] interiorPoints) {
        throw new UnsupportedOperationException("pending");
    }
}
