package org.police4j.bench;

import ai.djl.nn.Block;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.PolicedConvNet;

/** The certificate call of the benchmark (one place, so before and after run the same program). */
final class CertifyCall {

    private CertifyCall() {}

    static Certificate policed(Block wrapped, Certify.Options options, boolean exactMap) {
        return Certify.policed((PolicedConvNet) wrapped, options);
    }
}
