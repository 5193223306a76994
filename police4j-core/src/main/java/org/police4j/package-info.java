/** police4j: provably affine deep networks on chosen regions (POLICE), for DJL. */
package org.police4j;
