package io.nkd.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A path into a YAML or JSON document, written as butane writes it: {@code $.storage.files.0.path}.
 * Elements are map keys (String) or list indexes (Integer). Immutable.
 */
public final class FieldPath implements Comparable<FieldPath> {
    public static final FieldPath ROOT = new FieldPath(List.of());

    private final List<Object> elements;

    private FieldPath(List<Object> elements) {
        this.elements = elements;
    }

    public static FieldPath of(Object... elements) {
        FieldPath p = ROOT;
        for (Object e : elements) {
            p = p.append(e);
        }
        return p;
    }

    /** Parses {@code $.a.0.b}; numeric elements become indexes. */
    public static FieldPath parse(String text) {
        if (!text.startsWith("$")) {
            throw new IllegalArgumentException("path must start with $: " + text);
        }
        FieldPath p = ROOT;
        if (text.length() > 1) {
            for (String part : text.substring(2).split("\\.", -1)) {
                p = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                        ? p.index(Integer.parseInt(part)) : p.key(part);
            }
        }
        return p;
    }

    public FieldPath key(String key) {
        return append(Objects.requireNonNull(key));
    }

    public FieldPath index(int index) {
        return append(index);
    }

    private FieldPath append(Object element) {
        if (!(element instanceof String) && !(element instanceof Integer)) {
            throw new IllegalArgumentException("path element must be String or Integer: " + element);
        }
        List<Object> copy = new ArrayList<>(elements.size() + 1);
        copy.addAll(elements);
        copy.add(element);
        return new FieldPath(Collections.unmodifiableList(copy));
    }

    public List<Object> elements() {
        return elements;
    }

    public int size() {
        return elements.size();
    }

    public boolean isRoot() {
        return elements.isEmpty();
    }

    public Object last() {
        return elements.isEmpty() ? null : elements.get(elements.size() - 1);
    }

    public FieldPath parent() {
        return elements.isEmpty() ? this : new FieldPath(elements.subList(0, elements.size() - 1));
    }

    public FieldPath prefix(int length) {
        return new FieldPath(elements.subList(0, length));
    }

    public boolean startsWith(FieldPath prefix) {
        return prefix.elements.size() <= elements.size()
                && elements.subList(0, prefix.elements.size()).equals(prefix.elements);
    }

    /** This path with {@code from} (a prefix of it) replaced by {@code to}. */
    public FieldPath rebase(FieldPath from, FieldPath to) {
        if (!startsWith(from)) {
            throw new IllegalArgumentException(this + " does not start with " + from);
        }
        List<Object> copy = new ArrayList<>(to.elements);
        copy.addAll(elements.subList(from.elements.size(), elements.size()));
        return new FieldPath(Collections.unmodifiableList(copy));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("$");
        for (Object e : elements) {
            sb.append('.').append(e);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldPath other && elements.equals(other.elements);
    }

    @Override
    public int hashCode() {
        return elements.hashCode();
    }

    @Override
    public int compareTo(FieldPath o) {
        int n = Math.min(elements.size(), o.elements.size());
        for (int i = 0; i < n; i++) {
            Object a = elements.get(i);
            Object b = o.elements.get(i);
            int c;
            if (a instanceof Integer ia && b instanceof Integer ib) {
                c = Integer.compare(ia, ib);
            } else {
                c = a.toString().compareTo(b.toString());
            }
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(elements.size(), o.elements.size());
    }
}
