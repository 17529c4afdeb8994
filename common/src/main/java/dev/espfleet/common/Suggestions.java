package dev.espfleet.common;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

/**
 * "Did you mean ...?" for a misspelt command, option or key: the known word closest to the unknown one,
 * if it is close (an edit distance of at most 2, or a third of the word's length, or one contains the other).
 */
public final class Suggestions {
    private Suggestions() {
    }

    public static Optional<String> closest(String unknown, Collection<String> known) {
        return known.stream()
                .filter(k -> distance(k, unknown) <= Math.max(2, k.length() / 3)
                        || k.contains(unknown) || unknown.contains(k))
                .min(Comparator.comparingInt((String k) -> distance(k, unknown)).thenComparing(k -> k));
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
