package io.runstream.metrics;

/**
 * Two tag values that tell a meter apart ({@link MetersByKey}'s key), e.g. a pipeline and an outcome. A class with
 * its own {@code equals} and {@code hashCode} rather than a record: a native image implements a record's by
 * reflection, many times dearer, and this key is looked up on every run.
 */
public final class TagValues {

    private final String first;
    private final String second;

    public TagValues(String first, String second) {
        this.first = first;
        this.second = second;
    }

    public String first() {
        return first;
    }

    public String second() {
        return second;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TagValues that && first.equals(that.first) && second.equals(that.second);
    }

    @Override
    public int hashCode() {
        return 31 * first.hashCode() + second.hashCode();
    }

    @Override
    public String toString() {
        return first + "/" + second;
    }
}
