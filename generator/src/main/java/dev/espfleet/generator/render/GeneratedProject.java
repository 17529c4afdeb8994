package dev.espfleet.generator.render;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/** A generated project held in memory: relative path ('/'-separated) to file content, sorted. */
public final class GeneratedProject {
    private final SortedMap<String, byte[]> files;

    GeneratedProject(SortedMap<String, byte[]> files) {
        this.files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
    }

    public SortedMap<String, byte[]> files() {
        return files;
    }

    public String text(String path) {
        byte[] b = files.get(path);
        if (b == null) {
            throw new IllegalArgumentException("no generated file " + path);
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
