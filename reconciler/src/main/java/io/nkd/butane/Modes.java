package io.nkd.butane;

/** Detects file modes that were almost certainly written in decimal where octal was meant ({@code 644}). */
final class Modes {
    private Modes() {
    }

    /** True when the mode is unusual as given but typical when its decimal digits are read as octal. */
    static boolean looksDecimal(int mode, boolean directory) {
        Integer asOctal = decimalDigitsAsOctal(mode);
        return asOctal != null && !isTypical(mode, directory) && isTypical(asOctal, directory);
    }

    private static Integer decimalDigitsAsOctal(int mode) {
        if (mode < 0 || mode > 7777) {
            return null;
        }
        int result = 0;
        for (int divisor = 1000; divisor > 0; divisor /= 10) {
            int digit = (mode / divisor) % 10;
            if (digit > 7) {
                return null;
            }
            result = (result << 3) | digit;
        }
        return result;
    }

    /** A permission set people actually use: more specific classes have at least the bits of less specific ones. */
    static boolean isTypical(int mode, boolean directory) {
        if (mode == 0) {
            return true; // root ignores mode bits
        }
        int[] classes = {mode & 07, (mode >> 3) & 07, (mode >> 6) & 07}; // other, group, user
        boolean hadR = false;
        boolean hadW = false;
        boolean hadX = false;
        for (int perm : classes) {
            boolean r = (perm & 4) != 0;
            boolean w = (perm & 2) != 0;
            boolean x = (perm & 1) != 0;
            if ((!r && hadR) || (!w && hadW) || (!x && hadX)) {
                return false;
            }
            if (x && hadR && !hadX) {
                return false;
            }
            if ((w || x) && !r) {
                return false;
            }
            hadR |= r;
            hadW |= w;
            hadX |= x;
        }
        if (!hadR) {
            return false;
        }
        if (directory) {
            return hadX && (mode & 04000) == 0 && ((mode & 03000) == 0 || hadW);
        }
        if ((mode & 06000) != 0 && (!hadX || (mode & 2) != 0)) {
            return false;
        }
        return (mode & 01000) == 0;
    }
}
