package org.police4j.bench;

import ai.djl.nn.Block;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;

/** The certificate call of the benchmark (one place: before this change it cast to PolicedConvNet). */
final class CertifyCall {

    private CertifyCall() {}

    static Certificate policed(Block wrapped, Certify.Options options, boolean exactMap) {
        return Certify.policed(wrapped, exactMap ? options.optExactMap(true) : options);
    }
}
