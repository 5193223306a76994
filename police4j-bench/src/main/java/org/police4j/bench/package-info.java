/** JMH benchmarks of police4j. */
package org.police4j.bench;
