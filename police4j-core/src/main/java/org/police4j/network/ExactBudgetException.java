package org.police4j.network;

/**
 * The certificate's exact fallback reached its budget of exact multiply-adds at one point: some
 * unit or window lies within the rigorous bound of its kink or tie, and deciding it exactly would
 * take longer (and more memory: exact values grow by a float32's bits per layer) than a
 * certificate should. Thrown instead of running for hours or exhausting the heap; the network is
 * neither certified nor refuted.
 */
public final class ExactBudgetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was being decided and the budget
     */
    public ExactBudgetException(String message) {
        super(message);
    }
}
