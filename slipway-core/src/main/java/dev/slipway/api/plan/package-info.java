/**
 * Plans, steps, reports and validation results: the values that flow between {@code plan}, {@code apply} and
 * {@code validate}, and that are written to files a person reviews.
 */
package dev.slipway.api.plan;
