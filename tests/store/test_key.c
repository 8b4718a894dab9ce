// labels: quick
/*
 * tests/store/test_key.c: key schemas and keys against spec/store.md §1 and §7.1 (IX1):
 * str/path formatting, strict round trip, validation errors, ordering.
 */
#include "harness.h"
#include "store/internal.h"

static const char *IX1 = "ma:str,to:int/pu:int,il:str/ma2:str,to2:int,ou:int";

TEST(ix1_round_trip) {
    oups_key_schema *s;
    CHECK_OK(oups_key_schema_parse(&s, IX1, '-'));
    CHECK(oups_key_schema_depth(s) == 3 && oups_key_schema_num_fields(s) == 7);
    const char *v[] = {"aha", "2", "5", "oh", "ou", "3", "7"};
    oups_key *k, *k2, *k3;
    CHECK_OK(oups_key_new(&k, s, v, 7));
    char *str, *path;
    CHECK_OK(oups_key_to_str(&str, k));
    CHECK_OK(oups_key_to_path(&path, k));
    CHECK(strcmp(str, "aha-2-5-oh-ou-3-7") == 0);
    CHECK(strcmp(path, "aha-2/5-oh/ou-3-7") == 0);
    CHECK_OK(oups_key_from_path(&k2, s, path));
    CHECK_OK(oups_key_from_str(&k3, s, str));
    CHECK(oups_key_cmp(k, k2) == 0 && oups_key_cmp(k, k3) == 0);
    CHECK(oups_key_hash(k) == oups_key_hash(k2));
    /* strict: the string form is not a path; extra leading components refused */
    oups_key *bad;
    CHECK_RC(oups_key_from_path(&bad, s, "aha-2-5-oh-ou-3-7"), OUPS_EINVAL);
    CHECK_RC(oups_key_from_path(&bad, s, "x/aha-2/5-oh/ou-3-7"), OUPS_EINVAL);
    CHECK_RC(oups_key_from_path(&bad, s, "aha/2-5/oh-ou-3-7"), OUPS_EINVAL);
    CHECK_RC(oups_key_from_str(&bad, s, "zz-aha-2-5-oh-ou-3-7"), OUPS_EINVAL);
    /* "02" parses as 2 */
    CHECK_OK(oups_key_from_str(&bad, s, "aha-02-5-oh-ou-3-7"));
    CHECK(oups_key_cmp(bad, k) == 0);
    oups_key_free(bad);
    oups_mem_free(str);
    oups_mem_free(path);
    oups_key_free(k);
    oups_key_free(k2);
    oups_key_free(k3);
    /* sep '.' */
    oups_key_schema *s2;
    CHECK_OK(oups_key_schema_parse(&s2, IX1, '.'));
    CHECK_OK(oups_key_new(&k, s2, v, 7));
    CHECK_OK(oups_key_to_str(&str, k));
    CHECK(strcmp(str, "aha.2.5.oh.ou.3.7") == 0);
    oups_mem_free(str);
    oups_key_free(k);
    oups_key_schema_free(s2);
    oups_key_schema_free(s);
}

TEST(formatting_examples) {
    oups_key_schema *s;
    oups_key *k;
    char *p;
    CHECK_OK(oups_key_schema_parse(&s, "ma:str,to:int/pu:str", '-'));
    CHECK_OK(oups_key_new(&k, s, (const char *[]){"ah", "5", "oh"}, 3));
    CHECK_OK(oups_key_to_path(&p, k));
    CHECK(strcmp(p, "ah-5/oh") == 0);
    oups_mem_free(p);
    oups_key_free(k);
    oups_key_schema_free(s);
    CHECK_OK(oups_key_schema_parse(&s, "id:str", '-'));
    CHECK_OK(oups_key_new(&k, s, (const char *[]){"key1"}, 1));
    CHECK_OK(oups_key_to_path(&p, k));
    CHECK(strcmp(p, "key1") == 0);
    oups_mem_free(p);
    oups_key_free(k);
    oups_key_schema_free(s);
    CHECK_OK(oups_key_schema_parse(&s, "a:int,b:str", '.'));
    CHECK_OK(oups_key_new(&k, s, (const char *[]){"3", "oh"}, 2));
    CHECK_OK(oups_key_to_str(&p, k));
    CHECK(strcmp(p, "3.oh") == 0);
    oups_mem_free(p);
    oups_key_free(k);
    oups_key_schema_free(s);
}

TEST(validation) {
    oups_key_schema *s;
    oups_key *k;
    CHECK_OK(oups_key_schema_parse(&s, "a:int,b:str", '-'));
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"-1", "x"}, 2), OUPS_EINVAL); /* '-' forbidden */
    CHECK(strstr(oups_error_last(), "forbidden") != NULL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"1", "x.y"}, 2), OUPS_EINVAL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"1", "x/y"}, 2), OUPS_EINVAL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"1", ""}, 2), OUPS_EINVAL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"1.5", "x"}, 2), OUPS_EINVAL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"abc", "x"}, 2), OUPS_EINVAL);
    CHECK_RC(oups_key_new(&k, s, (const char *[]){"1"}, 1), OUPS_EINVAL);
    CHECK_RC(oups_key_from_str(&k, s, "x-y"), OUPS_EINVAL); /* int field not numeric */
    CHECK_RC(oups_key_from_str(&k, s, "1"), OUPS_EINVAL);
    CHECK_RC(oups_key_from_str(&k, s, "1-a-b"), OUPS_EINVAL);
    oups_key_schema_free(s);
    oups_key_schema *bad;
    CHECK_RC(oups_key_schema_parse(&bad, "a:float", '-'), OUPS_EINVAL);
    CHECK_RC(oups_key_schema_parse(&bad, "a", '-'), OUPS_EINVAL);
    CHECK_RC(oups_key_schema_parse(&bad, "a:str//b:str", '-'), OUPS_EINVAL);
    CHECK_RC(oups_key_schema_parse(&bad, "a:str", '/'), OUPS_EINVAL);
}

TEST(ordering) {
    oups_key_schema *s;
    CHECK_OK(oups_key_schema_parse(&s, "a:int,b:str", '-'));
    oups_key *k1, *k2, *k3;
    CHECK_OK(oups_key_new(&k1, s, (const char *[]){"9", "b"}, 2));
    CHECK_OK(oups_key_new(&k2, s, (const char *[]){"10", "a"}, 2));
    CHECK_OK(oups_key_new(&k3, s, (const char *[]){"10", "b"}, 2));
    CHECK(oups_key_cmp(k1, k2) < 0 && oups_key_cmp(k2, k3) < 0 && oups_key_cmp(k3, k1) > 0);
    oups_key_free(k1);
    oups_key_free(k2);
    oups_key_free(k3);
    oups_key_schema_free(s);
}

RUN_TESTS("store.key", ix1_round_trip, formatting_examples, validation, ordering)
