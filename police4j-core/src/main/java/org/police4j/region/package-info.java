/**
 * Regions: the convex polytopes R on which a POLICEd network is made exactly affine.
 *
 * <p>POLICE works on the V-representation (the vertices of R), because its constraint is stated
 * per vertex: every vertex of R must sit on the same side of every kink. So every region here
 * ends up as a {@link org.police4j.region.VertexRegion}; {@link org.police4j.region.Regions}
 * builds the common shapes (and the paper's four 2-D regions) and converts small
 * H-representations {@code {x : A x <= b}} to vertices.
 *
 * <p>Each region also writes its own {@link org.police4j.region.RegionRecord} (a kind and named
 * fields), which {@link org.police4j.region.RegionRecord#toRegion()} reads back, so the file formats
 * serialise regions without knowing their kinds. Likewise each region maps its own coordinates
 * ({@link org.police4j.region.Region#standardized}) and gives its own
 * {@link org.police4j.region.AffineHull}, so standardising inputs names no kind either.
 */
package org.police4j.region;
