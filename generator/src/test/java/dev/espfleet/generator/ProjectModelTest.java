package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.model.ProjectModel;
import dev.espfleet.generator.render.ProjectRenderer;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The view model the templates see is a tree of records of text, flags and lists, computed in Java: a template
 * cannot reach a map key nobody checks, and no number is left for FreeMarker to format.
 */
class ProjectModelTest {
    @Test
    void theViewModelIsATreeOfRecordsOfTextFlagsAndLists() {
        List<String> wrong = new ArrayList<>();
        check(ProjectModel.class, "model", wrong);
        assertEquals(List.of(), wrong);
    }

    private static void check(Class<?> record, String path, List<String> wrong) {
        assertTrue(record.isRecord(), path + " is not a record");
        for (RecordComponent c : record.getRecordComponents()) {
            checkType(c.getGenericType(), path + "." + c.getName(), wrong);
        }
    }

    private static void checkType(Type type, String path, List<String> wrong) {
        if (type == String.class || type == boolean.class) {
            return;
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            checkType(p.getActualTypeArguments()[0], path + "[]", wrong);
        } else if (type instanceof Class<?> c && c.isRecord()) {
            check(c, path, wrong);
        } else {
            wrong.add(path + ": " + type.getTypeName());
        }
    }

    /** FreeMarker wrote an int as "3,600" (the locale's grouping) when the model held numbers. */
    @Test
    void readmeWritesTheTelemetryIntervalAsTheConfigDoes() {
        String readme = new ProjectRenderer().render(ConfigLoader.parse("c.yaml", "c.yaml", """
                product: {name: slow, firmware_version: 1.0.0}
                aws: {endpoint: abc123-ats.iot.eu-west-1.amazonaws.com}
                telemetry: {interval_s: 3600}
                """)).text("README.md");
        assertTrue(readme.contains("Every 3600 s the readings"), readme);
    }
}
