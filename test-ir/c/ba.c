/* ADBench's bundle adjustment objective, written from its published
 * formula: a camera has 11 parameters (Rodrigues rotation 0..2, center
 * 3..5, focal length 6, principal point 7..8, radial distortion 9..10);
 * observation i of point X by camera c has the reprojection error
 * w_i (project(c, X) - feature_i) and the weight error 1 - w_i^2.
 * ba_reproj is one observation's error as a function of its 15 parameters
 * (camera, point, weight) for `adc grad --mode jacobian`; ba_reproj_rows
 * the same, for a second Jacobian in one program. */
#include <math.h>

static void cross(const double *a, const double *b, double *out) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

static void rodrigues_rotate_point(const double *rot, const double *X, double *out) {
  double sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
  if (sqtheta != 0) {
    double theta = sqrt(sqtheta), costheta = cos(theta), sintheta = sin(theta);
    double theta_inv = 1.0 / theta;
    double w[3] = {rot[0] * theta_inv, rot[1] * theta_inv, rot[2] * theta_inv};
    double w_cross_X[3];
    cross(w, X, w_cross_X);
    double tmp = (w[0] * X[0] + w[1] * X[1] + w[2] * X[2]) * (1.0 - costheta);
    for (int i = 0; i < 3; i++)
      out[i] = X[i] * costheta + w_cross_X[i] * sintheta + w[i] * tmp;
  } else {
    double rot_cross_X[3];
    cross(rot, X, rot_cross_X);
    for (int i = 0; i < 3; i++)
      out[i] = X[i] + rot_cross_X[i];
  }
}

static void radial_distort(const double *rad, double *proj) {
  double rsq = proj[0] * proj[0] + proj[1] * proj[1];
  double L = 1.0 + rad[0] * rsq + rad[1] * rsq * rsq;
  proj[0] *= L;
  proj[1] *= L;
}

static void project(const double *cam, const double *X, double *proj) {
  double Xo[3], Xcam[3];
  for (int i = 0; i < 3; i++)
    Xo[i] = X[i] - cam[3 + i];
  rodrigues_rotate_point(cam, Xo, Xcam);
  proj[0] = Xcam[0] / Xcam[2];
  proj[1] = Xcam[1] / Xcam[2];
  radial_distort(cam + 9, proj);
  proj[0] = proj[0] * cam[6] + cam[7];
  proj[1] = proj[1] * cam[6] + cam[8];
}

static void reproj_error(const double *cam, const double *X, double w, const double *feat,
                         double *err) {
  double proj[2];
  project(cam, X, proj);
  err[0] = w * (proj[0] - feat[0]);
  err[1] = w * (proj[1] - feat[1]);
}

/* p: the 15 parameters of one observation (camera, point, weight). */
void ba_reproj(const double *p, const double *feat, double *err) {
  reproj_error(p, p + 11, p[14], feat, err);
}
void ba_reproj_rows(const double *p, const double *feat, double *err) {
  reproj_error(p, p + 11, p[14], feat, err);
}

/* The whole objective: obs[2i], obs[2i + 1] are observation i's camera and
 * point. */
void ba_objective(int n_obs, const double *cams, const double *X, const double *w, const int *obs,
                  const double *feats, double *reproj_err, double *w_err) {
  for (int i = 0; i < n_obs; i++) {
    reproj_error(&cams[11 * obs[2 * i]], &X[3 * obs[2 * i + 1]], w[i], &feats[2 * i],
                 &reproj_err[2 * i]);
    w_err[i] = 1.0 - w[i] * w[i];
  }
}
