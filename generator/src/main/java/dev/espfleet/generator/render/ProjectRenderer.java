package dev.espfleet.generator.render;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.ProjectModel;
import freemarker.ext.beans.ZeroArgumentNonVoidMethodPolicy;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Renders a project: every {@code .ftl} under {@code templates/} becomes the file of the same path
 * without the suffix, and every file of {@code esp-idf-project/} is copied as it is. Both trees ship in
 * this jar; {@code files.txt} in each lists them, so no classpath scanning is needed.
 */
public final class ProjectRenderer {
    static final String TEMPLATE_ROOT = "/dev/espfleet/templates";
    static final String STATIC_ROOT = "/dev/espfleet/esp-idf-project";

    private final Configuration freemarker;

    public ProjectRenderer() {
        freemarker = new Configuration(Configuration.VERSION_2_3_34);
        freemarker.setClassForTemplateLoading(ProjectRenderer.class, TEMPLATE_ROOT);
        freemarker.setDefaultEncoding("UTF-8");
        freemarker.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        freemarker.setLogTemplateExceptions(false);
        freemarker.setWrapUncheckedExceptions(true);
        freemarker.setFallbackOnNullLoopVariable(false);
        freemarker.setOutputEncoding("UTF-8");
        // the view model is records of text, flags and lists: templates read their components as properties
        // (f.name, not f.name()), and a name that is not a component fails the render (and so the golden test)
        DefaultObjectWrapperBuilder wrapper = new DefaultObjectWrapperBuilder(Configuration.VERSION_2_3_34);
        wrapper.setRecordZeroArgumentNonVoidMethodPolicy(
                ZeroArgumentNonVoidMethodPolicy.PROPERTY_ONLY_UNLESS_BEAN_PROPERTY_READ_METHOD);
        freemarker.setObjectWrapper(wrapper.build());
        // no number should reach a template; one that does is written as C would, not "3,600"
        freemarker.setNumberFormat("c");
    }

    public GeneratedProject render(DeviceConfig config) {
        List<String> templates = listing(TEMPLATE_ROOT);
        List<String> statics = listing(STATIC_ROOT);
        ProjectModel model = ProjectModel.of(config);

        SortedMap<String, byte[]> files = new TreeMap<>();
        for (String s : statics) {
            files.put(outputPath(s), resource(STATIC_ROOT + "/" + s));
        }
        for (String t : templates) {
            byte[] text = renderOne(t, model);
            if (text.length > 0) { // a template that renders nothing is a file this config does not have
                files.put(t.substring(0, t.length() - ".ftl".length()), text);
            }
        }
        return new GeneratedProject(files);
    }

    /**
     * The text of one generated file ({@code aws/policy.json}, say) rendered alone, byte for byte what
     * {@link #render} puts at that path: for a caller that needs one derivation of the config (provisioning
     * needs the policy), not the project.
     */
    public String renderFile(DeviceConfig config, String path) {
        String template = path + ".ftl";
        if (!listing(TEMPLATE_ROOT).contains(template)) {
            throw new IllegalArgumentException("no template renders " + path);
        }
        return new String(renderOne(template, ProjectModel.of(config)), StandardCharsets.UTF_8);
    }

    /** Dot files ship as {@code dot-NAME} because Maven's resource and jar plugins leave dot files out. */
    static String outputPath(String staticPath) {
        int slash = staticPath.lastIndexOf('/') + 1;
        String name = staticPath.substring(slash);
        return name.startsWith("dot-") ? staticPath.substring(0, slash) + "." + name.substring(4) : staticPath;
    }

    private byte[] renderOne(String template, ProjectModel model) {
        try {
            Template t = freemarker.getTemplate(template);
            StringWriter out = new StringWriter();
            t.process(model, out);
            return out.toString().getBytes(StandardCharsets.UTF_8);
        } catch (IOException | TemplateException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "template " + template + " failed: " + e.getMessage(),
                    null, e);
        }
    }

    static List<String> listing(String root) {
        String text = new String(resource(root + "/files.txt"), StandardCharsets.UTF_8);
        return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
    }

    private static byte[] resource(String path) {
        try (InputStream in = ProjectRenderer.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new EspfleetException(ExitStatus.INTERNAL, "missing resource " + path + " in the espfleet jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
