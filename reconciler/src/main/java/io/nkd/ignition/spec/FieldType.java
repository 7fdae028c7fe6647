package io.nkd.ignition.spec;

/** The type of one field of an Ignition (or Butane) object: a scalar, an object, or a list of either. */
public sealed interface FieldType permits FieldType.Scalar, FieldType.ListOf, ObjectType {

    enum Scalar implements FieldType {
        STRING, INT, BOOL;

        @Override
        public String describe() {
            return switch (this) {
                case STRING -> "string";
                case INT -> "integer";
                case BOOL -> "boolean";
            };
        }
    }

    record ListOf(FieldType element) implements FieldType {
        @Override
        public String describe() {
            return "list of " + element.describe();
        }
    }

    /** A short human name of the type for error messages ("string", "list of string", "object"). */
    String describe();
}
