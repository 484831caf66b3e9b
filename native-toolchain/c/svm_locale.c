/*
 * The process' locale for SubstrateVM images (part of liblibchelper.a), written for Runstream's native toolchain.
 * The image's user.language / user.country / user.script / user.variant properties come from here: "display" from
 * LC_MESSAGES, "format" from LC_CTYPE, each as the C library resolved it from the environment (LC_ALL, LC_*, LANG).
 * A POSIX locale name is language[_COUNTRY][.codeset][@modifier]; the modifier names a script (latin, cyrillic,
 * devanagari) or else becomes the variant (except "euro", which only ever selected a codeset). "C" and "POSIX" are
 * English (United States), as the JDK reports them; a locale the system does not have resolves to "C".
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include "svm_locale.h"

static svm_locale_props_t props;

static char *copy(const char *s, size_t n) {
    char *r = malloc(n + 1);
    if (r != NULL) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

static const char *script_of(const char *modifier) {
    if (strcmp(modifier, "latin") == 0) return "Latn";
    if (strcmp(modifier, "cyrillic") == 0) return "Cyrl";
    if (strcmp(modifier, "devanagari") == 0) return "Deva";
    return NULL;
}

/* Splits a locale name into its parts; 0 on success, -1 when out of memory. */
static int parse(const char *name, char **language, char **script, char **country, char **variant) {
    if (name == NULL || strcmp(name, "C") == 0 || strcmp(name, "POSIX") == 0 || strncmp(name, "C.", 2) == 0) {
        name = "en_US";
    }
    size_t language_len = strcspn(name, "_.@");
    const char *rest = name + language_len;
    const char *country_start = "";
    size_t country_len = 0;
    if (*rest == '_') {
        country_start = rest + 1;
        country_len = strcspn(country_start, ".@");
        rest = country_start + country_len;
    }
    const char *at = strchr(rest, '@');
    const char *modifier = at != NULL ? at + 1 : "";
    const char *script_name = script_of(modifier);
    int is_variant = script_name == NULL && modifier[0] != '\0' && strcmp(modifier, "euro") != 0;
    *language = copy(name, language_len);
    *country = copy(country_start, country_len);
    *script = copy(script_name != NULL ? script_name : "", script_name != NULL ? strlen(script_name) : 0);
    *variant = copy(is_variant ? modifier : "", is_variant ? strlen(modifier) : 0);
    return *language && *country && *script && *variant ? 0 : -1;
}

int svm_initialize_locale(void) {
    setlocale(LC_ALL, "");
    if (parse(setlocale(LC_MESSAGES, NULL), &props.display_language, &props.display_script, &props.display_country,
                &props.display_variant) != 0
            || parse(setlocale(LC_CTYPE, NULL), &props.format_language, &props.format_script, &props.format_country,
                &props.format_variant) != 0) {
        return SVM_LOCALE_INITIALIZATION_OUT_OF_MEMORY;
    }
    return SVM_LOCALE_INITIALIZATION_SUCCEEDED;
}

svm_locale_props_t *svm_get_locale(void) {
    return &props;
}
