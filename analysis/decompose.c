/* decompose.c -- the variance of a policy's impact by source (see decompose.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "../model/ensemble.h"
#include "../model/metrics.h"
#include "../model/neobay.h"
#include "../model/prior.h"
#include "../model/sim.h"
#include "decompose.h"

const char *const nb_dec_outcomes[NB_DEC_NOUT] = {"firms", "firms_backbone", "unicorns", "listed",
                                                  "hightech"};

/* What a replicate of one arm draws. */
typedef struct arm_ctx {
    const nb_paramset *ps;          /* the arm's scenario */
    const unsigned char *keep;      /* parameters either scenario sets: never drawn */
    const nb_decomp_opts *o;
    int kp, ke;                     /* parameter and effect draws */
    uint32_t seed;
} arm_ctx;

/* nb_ensemble_params_fn: replicate rep runs parameter draw jp and effect draw je. */
static int arm_params(const void *ud, int rep, nb_paramset *ps)
{
    const arm_ctx *a = ud;
    int cell = rep / a->o->per_draw, jp = cell / a->ke, je = cell % a->ke;
    memcpy(ps, a->ps, sizeof *ps);
    if (a->o->post) a->o->post(a->o->post_ud, jp, ps);
    nb_prior_draw_all(ps, a->seed, (uint32_t)je, a->keep);
    return NB_OK;
}

/* Run one arm: Kp Ke M replicates.  NULL when memory runs out. */
static nb_results *arm_run(const arm_ctx *a)
{
    nb_model *m = nb_model_alloc(a->ps);        /* for the shape of the results only */
    if (!m) return NULL;
    int n = a->kp * a->ke * a->o->per_draw;
    nb_results *r = nb_results_alloc(n, nb_model_n_time(m), nb_model_start(m));
    nb_model_free(m);
    nb_ensemble_opts eo = {a->o->threads, NULL, NULL, NULL};
    if (r && nb_ensemble_run_each(arm_params, a, r, &eo, NULL) != NB_OK) { nb_results_free(r); r = NULL; }
    return r;
}

/* The balanced two-way random-effects ANOVA of d[A][B][M] (A = Kp parameter draws,
 * B = Ke effect draws): mean, components (negative estimates set to 0), plain variance. */
static void anova2(const double *d, int A, int B, int M, nb_decomp_row *x)
{
    int n = A * B * M;
    double g = 0;
    for (int r = 0; r < n; r++) g += d[r] / n;
    double ssa = 0, ssb = 0, ssab = 0, sse = 0, sst = 0;
    double *ma = calloc((size_t)A, sizeof *ma), *mb = calloc((size_t)B, sizeof *mb);
    if (!ma || !mb) { free(ma); free(mb); *x = (nb_decomp_row){NAN, NAN, NAN, NAN, NAN, NAN, NAN}; return; }
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++)
            for (int m = 0; m < M; m++) {
                double v = d[(a * B + b) * M + m];
                ma[a] += v / (B * M);
                mb[b] += v / (A * M);
            }
    for (int a = 0; a < A; a++) ssa += B * M * (ma[a] - g) * (ma[a] - g);
    for (int b = 0; b < B; b++) ssb += A * M * (mb[b] - g) * (mb[b] - g);
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++) {
            double mc = 0;
            for (int m = 0; m < M; m++) mc += d[(a * B + b) * M + m] / M;
            ssab += M * (mc - ma[a] - mb[b] + g) * (mc - ma[a] - mb[b] + g);
            for (int m = 0; m < M; m++) sse += (d[(a * B + b) * M + m] - mc) * (d[(a * B + b) * M + m] - mc);
        }
    for (int r = 0; r < n; r++) sst += (d[r] - g) * (d[r] - g);
    free(ma);
    free(mb);
    double mse = sse / (A * B * (M - 1));
    double msab = A > 1 ? ssab / ((A - 1) * (B - 1)) : mse;
    double msa = A > 1 ? ssa / (A - 1) : 0, msb = ssb / (B - 1);
    x->mean = g;
    x->stochastic = mse;
    x->interaction = A > 1 ? fmax(0.0, (msab - mse) / M) : 0.0;
    x->parameter = A > 1 ? fmax(0.0, (msa - msab) / (B * M)) : 0.0;
    x->evidence = fmax(0.0, (msb - msab) / (A * M));
    x->total = x->stochastic + x->interaction + x->parameter + x->evidence;
    x->plain = sst / (n - 1);
}

int nb_decompose(const nb_scenario *base, const nb_scenario *pol, const nb_decomp_opts *o,
                 nb_decomposition *out, nb_err *e)
{
    memset(out, 0, sizeof *out);
    if (o->draws < 2 || o->per_draw < 2)
        return nb_err_set(e, "the decomposition needs at least 2 draws and 2 replicates per draw");
    int start = nb_paramset_start(&pol->ps), t = NB_MONTH(o->year, 12) - start;
    if (t < 1 || t >= nb_paramset_months(&pol->ps))
        return nb_err_set(e, "--year %d: December %d is not inside the run (%s)", o->year, o->year, pol->path);
    int kp = o->post ? o->draws : 1, ke = o->draws, n = kp * ke * o->per_draw;
    nb_paramset *b = malloc(sizeof *b);
    unsigned char *keep = calloc(NB_NPARAMS, 1);
    double *d = malloc((size_t)n * sizeof *d);
    if (!b || !keep || !d) { free(b); free(keep); free(d); return nb_err_code(e, NB_ENOMEM, "out of memory"); }
    memcpy(b, &base->ps, sizeof *b);
    for (int id = 0; id < NB_NPARAMS; id++) {      /* the policy's run settings in both arms */
        if (nb_registry[id].flags & NB_F_RUN) b->p[id] = pol->ps.p[id];
        keep[id] = base->origin[id].file != NULL || pol->origin[id].file != NULL;
    }
    uint32_t seed = (uint32_t)pol->ps.p[NB_P_run_seed].value[0];
    arm_ctx ab = {b, keep, o, kp, ke, seed}, ap = {&pol->ps, keep, o, kp, ke, seed};
    nb_results *rb = arm_run(&ab), *rp = rb ? arm_run(&ap) : NULL;
    int rc = rb && rp ? NB_OK : NB_ENOMEM;
    if (rc == NB_OK) {
        out->year = o->year;
        out->draws = o->draws;
        out->per_draw = o->per_draw;
        out->has_post = o->post != NULL;
        for (int k = 0; k < NB_DEC_NOUT; k++) {
            int m = nb_metric_find(nb_dec_outcomes[k]);
            for (int r = 0; r < n; r++) d[r] = nb_results_row(rp, m, r)[t] - nb_results_row(rb, m, r)[t];
            anova2(d, kp, ke, o->per_draw, &out->out[k]);
        }
    }
    nb_results_free(rb);
    nb_results_free(rp);
    free(b);
    free(keep);
    free(d);
    return rc == NB_OK ? NB_OK : nb_err_code(e, rc, "out of memory");
}

static void share(char *buf, size_t n, double part, double total)
{
    if (total > 0) snprintf(buf, n, "%5.1f%%", 100 * part / total);
    else snprintf(buf, n, "   n/a");
}

void nb_decompose_print(const nb_decomposition *d, const char *pol_name, const char *base_name,
                        FILE *out)
{
    int kp = d->has_post ? d->draws : 1;
    fprintf(out, "Variance of the impact of %s against %s by source (政策影响的方差分解), December %d\n"
                 "%d parameter draws x %d effect-size draws x %d replicates (%d paired runs); effect sizes\n"
                 "from their evidence priors%s\n\n",
            pol_name, base_name, d->year, kp, d->draws, d->per_draw, kp * d->draws * d->per_draw,
            d->has_post ? ", calibrated parameters from the posterior" : " (no posterior: no parameter part)");
    fprintf(out, "%-16s %12s %12s %11s %11s %11s %11s\n", "outcome", "mean impact", "sd impact",
            "stochastic", "evidence", "parameter", "interaction");
    fprintf(out, "%-16s %12s %12s %11s %11s %11s %11s\n", "指标", "平均影响", "标准差", "随机",
            "证据", "参数", "交互");
    for (int k = 0; k < NB_DEC_NOUT; k++) {
        const nb_decomp_row *x = &d->out[k];
        char s[16], ev[16], pa[16], in[16];
        share(s, sizeof s, x->stochastic, x->total);
        share(ev, sizeof ev, x->evidence, x->total);
        share(pa, sizeof pa, x->parameter, x->total);
        share(in, sizeof in, x->interaction, x->total);
        fprintf(out, "%-16s %12.4g %12.4g %11s %11s %11s %11s\n", nb_dec_outcomes[k], fabs(x->mean) < 1e-12 ? 0.0 : x->mean,
                sqrt(x->total), s, ev, pa, in);
    }
    fprintf(out, "\nshares of the impact's variance (two-way random-effects ANOVA; they add to 100%%):\n"
                 "stochastic = within a (parameter, effect) cell, the replicates' own draws;\n"
                 "evidence = between effect-size draws; parameter = between posterior draws;\n"
                 "interaction = the two together beyond their sum.  A large evidence share says an\n"
                 "evaluation of the programmes would narrow the forecast most; a large parameter share,\n"
                 "better data on the zone's own dynamics.\n");
}
