package io.nkd.butane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.spec.Field;
import io.nkd.ignition.spec.FieldType.ListOf;
import io.nkd.ignition.spec.ObjectType;
import io.nkd.report.FieldPath;

/** Visits every object of a config tree together with its spec type and path. */
final class SpecWalk {
    interface Visitor {
        void visit(ObjectNode node, ObjectType type, FieldPath path);
    }

    private SpecWalk() {
    }

    static void walk(JsonNode node, ObjectType type, FieldPath path, Visitor visitor) {
        if (!(node instanceof ObjectNode obj)) {
            return;
        }
        visitor.visit(obj, type, path);
        for (Field f : type.fields()) {
            JsonNode child = obj.get(f.jsonName());
            if (child == null) {
                continue;
            }
            if (f.type() instanceof ObjectType ot) {
                walk(child, ot, path.key(f.jsonName()), visitor);
            } else if (f.type() instanceof ListOf list && list.element() instanceof ObjectType ot && child.isArray()) {
                for (int i = 0; i < child.size(); i++) {
                    walk(child.get(i), ot, path.key(f.jsonName()).index(i), visitor);
                }
            }
        }
    }
}
