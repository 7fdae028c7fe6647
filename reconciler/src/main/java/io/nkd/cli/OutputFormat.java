package io.nkd.cli;

/** How a read command prints its result: text for people, or one JSON document for tools. */
enum OutputFormat { TEXT, JSON }
