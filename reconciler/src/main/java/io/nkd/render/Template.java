package io.nkd.render;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A small, logic-less template language (a subset of Mustache) for nkd's Butane and file templates:
 * {@code {{name}}} inserts a value verbatim, {@code {{json name}}} inserts it as a JSON string literal (which is
 * also a valid YAML scalar, so user-supplied text can never break the YAML around it), {@code {{#name}}…{{/name}}}
 * repeats for each element of a list or renders once for a true/non-empty value, {@code {{^name}}…{{/name}}}
 * renders when the value is false, empty or absent. Names may be dotted ({@code kubernetes.version}); inside a
 * list section, names resolve against the element first. A standalone tag line leaves no blank line behind.
 * Missing names are errors, not empty strings, so a typo in a template fails the build's tests.
 */
public final class Template {
    private sealed interface Part permits Text, Var, Section {
    }

    private record Text(String text) implements Part {
    }

    private record Var(String name, boolean json) implements Part {
    }

    private record Section(String name, boolean inverted, List<Part> body) implements Part {
    }

    private final String name;
    private final List<Part> parts;

    private Template(String name, List<Part> parts) {
        this.name = name;
        this.parts = parts;
    }

    public String name() {
        return name;
    }

    public static Template parse(String name, String text) {
        List<List<Part>> stack = new ArrayList<>();
        List<String> open = new ArrayList<>();
        stack.add(new ArrayList<>());
        int i = 0;
        while (i < text.length()) {
            int start = text.indexOf("{{", i);
            if (start < 0) {
                stack.get(stack.size() - 1).add(new Text(text.substring(i)));
                break;
            }
            int end = text.indexOf("}}", start);
            if (end < 0) {
                throw new IllegalArgumentException(name + ": unclosed {{ at offset " + start);
            }
            String tag = text.substring(start + 2, end).strip();
            int after = end + 2;
            boolean block = !tag.isEmpty() && "#^/".indexOf(tag.charAt(0)) >= 0;
            int textEnd = start;
            if (block) { // a tag alone on its line takes the line with it
                int lineStart = text.lastIndexOf('\n', start - 1) + 1;
                int lineEnd = text.indexOf('\n', after);
                boolean aloneBefore = text.substring(lineStart, start).isBlank();
                boolean aloneAfter = (lineEnd < 0 ? text.substring(after) : text.substring(after, lineEnd)).isBlank();
                if (aloneBefore && aloneAfter) {
                    textEnd = lineStart;
                    after = lineEnd < 0 ? text.length() : lineEnd + 1;
                }
            }
            if (textEnd > i) {
                stack.get(stack.size() - 1).add(new Text(text.substring(i, textEnd)));
            }
            if (tag.startsWith("#") || tag.startsWith("^")) {
                open.add(tag.substring(1).strip());
                stack.add(new ArrayList<>());
                stack.get(stack.size() - 2).add(new Section(tag.substring(1).strip(), tag.startsWith("^"), stack.get(stack.size() - 1)));
            } else if (tag.startsWith("/")) {
                String closing = tag.substring(1).strip();
                if (open.isEmpty() || !open.get(open.size() - 1).equals(closing)) {
                    throw new IllegalArgumentException(name + ": {{/" + closing + "}} does not close the open section "
                            + (open.isEmpty() ? "(none)" : open.get(open.size() - 1)));
                }
                open.remove(open.size() - 1);
                stack.remove(stack.size() - 1);
            } else if (tag.startsWith("json ")) {
                stack.get(stack.size() - 1).add(new Var(tag.substring(5).strip(), true));
            } else {
                stack.get(stack.size() - 1).add(new Var(tag, false));
            }
            i = after;
        }
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(name + ": section {{#" + open.get(open.size() - 1) + "}} is never closed");
        }
        return new Template(name, List.copyOf(stack.get(0)));
    }

    /** Renders with a model of maps, lists, strings, numbers and booleans. */
    public String render(Map<String, ?> model) {
        StringBuilder out = new StringBuilder();
        List<Object> scopes = new ArrayList<>();
        scopes.add(model);
        render(parts, scopes, out);
        return out.toString();
    }

    private void render(List<Part> body, List<Object> scopes, StringBuilder out) {
        for (Part p : body) {
            if (p instanceof Text t) {
                out.append(t.text());
            } else if (p instanceof Var v) {
                Object value = lookup(v.name(), scopes, true);
                String s = String.valueOf(value);
                out.append(v.json() ? "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"" : s);
            } else if (p instanceof Section s) {
                Object value = lookup(s.name(), scopes, false);
                boolean truthy = value != null && !Boolean.FALSE.equals(value) && !(value instanceof Collection<?> c && c.isEmpty())
                        && !"".equals(value);
                if (s.inverted()) {
                    if (!truthy) {
                        render(s.body(), scopes, out);
                    }
                } else if (truthy) {
                    if (value instanceof Collection<?> items) {
                        for (Object item : items) {
                            scopes.add(item);
                            render(s.body(), scopes, out);
                            scopes.remove(scopes.size() - 1);
                        }
                    } else {
                        scopes.add(value);
                        render(s.body(), scopes, out);
                        scopes.remove(scopes.size() - 1);
                    }
                }
            }
        }
    }

    private Object lookup(String dotted, List<Object> scopes, boolean required) {
        if (dotted.equals(".")) {
            return scopes.get(scopes.size() - 1);
        }
        String[] names = dotted.split("\\.");
        for (int i = scopes.size() - 1; i >= 0; i--) {
            if (scopes.get(i) instanceof Map<?, ?> m && m.containsKey(names[0])) {
                Object v = m.get(names[0]);
                for (int k = 1; k < names.length; k++) {
                    if (!(v instanceof Map<?, ?> inner) || !inner.containsKey(names[k])) {
                        if (required) {
                            throw new IllegalArgumentException(name + ": no value for {{" + dotted + "}}");
                        }
                        return null;
                    }
                    v = inner.get(names[k]);
                }
                return v;
            }
        }
        if (required) {
            throw new IllegalArgumentException(name + ": no value for {{" + dotted + "}}");
        }
        return null;
    }
}
