package io.nkd.ignition.spec;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An object type: its fields in output order (Ignition's Go struct order). */
public final class ObjectType implements FieldType {
    private final String name;
    private final Map<String, Field> byJson = new LinkedHashMap<>();
    private final Map<String, Field> byYaml = new LinkedHashMap<>();

    ObjectType(String name) {
        this.name = name;
    }

    void add(Field field) {
        byJson.put(field.jsonName(), field);
        byYaml.put(field.yamlName(), field);
    }

    public String name() {
        return name;
    }

    public Collection<Field> fields() {
        return Collections.unmodifiableCollection(byJson.values());
    }

    public Field byJsonName(String json) {
        return byJson.get(json);
    }

    public Field byYamlName(String yaml) {
        return byYaml.get(yaml);
    }

    @Override
    public String describe() {
        return "object";
    }

    @Override
    public String toString() {
        return name;
    }
}
