package io.runstream.api.run;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * One page of {@code GET /api/runs}, newest first.
 *
 * @param items the runs
 * @param next  cursor of the following page, or null on the last one
 */
@RegisterForReflection
public record RunPage(List<RunView> items, String next) {
}
