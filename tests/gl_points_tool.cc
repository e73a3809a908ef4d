// A reference renderer for the tests: draws a float32 point cloud with real
// OpenGL (Mesa's software rasteriser llvmpipe through EGL: no display, no
// GPU) the way the published 3D renderers do: an FBO with an RGB8 colour and
// a 16-bit depth renderbuffer, depth test on, clear to black, a shader
// computing proj * view * model * vec4(position, 1) with a white colour
// attribute, glPointSize, glDrawArrays(GL_POINTS) and glReadPixels(GL_RGB,
// GL_UNSIGNED_BYTE) saved as is (image row 0 = window row 0 = the bottom).
// The matrices come from glm (Debian's libglm-dev, the library PyGLM wraps),
// so tests/projection_check.py can compare src/fractal3d/project.h with
// OpenGL pixel for pixel.
//
//   gl_points_tool info [--profile compat|core]
//       prints the EGL platform, GL version and renderer
//   gl_points_tool render --cloud F.npy --out DIR (--views N | --identity)
//       [--size 224] [--point-size 1] [--profile compat|core] [--print]
//       [--clip-out F.npy] [--matrices]
//     --profile    compat (default, what the published scripts get) or core
//     --views N    view d (out DIR/view_DDD.png) is the published camera
//                  turned by the y rotations {float(d / N * 2 pi),
//                  radians(30), radians(0)}: distance 4, perspective 45 deg,
//                  near 1, far 100
//     --identity   proj = view = model = identity: clip = (x, y, z, 1), so
//                  window x = size / 2 * x + size / 2 (DIR/view_000.png);
//                  an N x 4 cloud is taken as clip coordinates (x, y, z, w)
//     --print      lists the lit pixels "view column row" on stdout (row 0 =
//                  window bottom)
//     --clip-out   writes gl_Position of every vertex of view 0 as an N x 4
//                  float32 .npy, captured by transform feedback
//     --matrices   prints each view's proj and view (column-major, %.9g)
// Exit status 77 when no OpenGL context can be created (a test then skips).
#include <EGL/egl.h>
#include <EGL/eglext.h>
#define GL_GLEXT_PROTOTYPES 1
#include <GL/glcorearb.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <glm/glm.hpp>
#include <glm/gtc/matrix_transform.hpp>
#include <glm/gtc/type_ptr.hpp>

#include "codec/image.h"
#include "codec/npy.h"
#include "synthub/error.h"
#include "util/file.h"

namespace {

constexpr int kSkip = 77;  // ctest SKIP_RETURN_CODE

// No usable EGL/OpenGL on this machine: the caller exits with kSkip.
struct NoContext {
  std::string why;
};

// Makes a headless OpenGL 4.1 context current for the rest of the process
// (core or compatibility profile): Mesa's surfaceless platform, else the
// default display; no surface (the FBO is the target), else a 16 x 16
// pbuffer. Returns a description of the EGL platform.
std::string CreateContext(bool core) {
  // Mesa's software rasteriser even where a GPU driver exists (the tests
  // model llvmpipe); set LIBGL_ALWAYS_SOFTWARE=0 to override.
  setenv("LIBGL_ALWAYS_SOFTWARE", "1", 0);
  EGLDisplay display = EGL_NO_DISPLAY;
  std::string platform;
  const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
  const auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(
      eglGetProcAddress("eglGetPlatformDisplayEXT"));
  if (client && std::strstr(client, "EGL_MESA_platform_surfaceless") && get_platform_display) {
    display = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr);
    platform = "surfaceless";
  }
  EGLint major = 0, minor = 0;
  if (display == EGL_NO_DISPLAY || !eglInitialize(display, &major, &minor)) {
    display = eglGetDisplay(EGL_DEFAULT_DISPLAY);
    platform = "default display";
    if (display == EGL_NO_DISPLAY || !eglInitialize(display, &major, &minor)) {
      throw NoContext{"no EGL display (surfaceless or default)"};
    }
  }
  platform += " (EGL " + std::to_string(major) + "." + std::to_string(minor) + ", " +
              eglQueryString(display, EGL_VENDOR) + ")";
  if (!eglBindAPI(EGL_OPENGL_API)) throw NoContext{"eglBindAPI(EGL_OPENGL_API) failed"};
  const EGLint config_attribs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE,
                                   EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig config = nullptr;
  EGLint configs = 0;
  eglChooseConfig(display, config_attribs, &config, 1, &configs);
  const std::string display_ext = eglQueryString(display, EGL_EXTENSIONS);
  const bool configless = display_ext.find("EGL_KHR_no_config_context") != std::string::npos;
  const bool surfaceless = display_ext.find("EGL_KHR_surfaceless_context") != std::string::npos;
  if (configs == 0 && !configless) throw NoContext{"no EGL config with a pbuffer for OpenGL"};
  const EGLint context_attribs[] = {
      EGL_CONTEXT_MAJOR_VERSION, 4, EGL_CONTEXT_MINOR_VERSION, 1,
      EGL_CONTEXT_OPENGL_PROFILE_MASK,
      core ? EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT : EGL_CONTEXT_OPENGL_COMPATIBILITY_PROFILE_BIT,
      EGL_NONE};
  const EGLContext context = eglCreateContext(display, configs ? config : EGL_NO_CONFIG_KHR,
                                              EGL_NO_CONTEXT, context_attribs);
  if (context == EGL_NO_CONTEXT) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%04x", static_cast<unsigned>(eglGetError()));
    throw NoContext{std::string("eglCreateContext(OpenGL 4.1) failed: EGL error ") + hex};
  }
  EGLSurface surface = EGL_NO_SURFACE;
  if (!surfaceless) {
    if (configs == 0) throw NoContext{"neither surfaceless contexts nor a pbuffer config"};
    const EGLint pbuffer_attribs[] = {EGL_WIDTH, 16, EGL_HEIGHT, 16, EGL_NONE};
    surface = eglCreatePbufferSurface(display, config, pbuffer_attribs);
    if (surface == EGL_NO_SURFACE) throw NoContext{"eglCreatePbufferSurface failed"};
  }
  if (!eglMakeCurrent(display, surface, surface, context)) {
    throw NoContext{"eglMakeCurrent failed"};
  }
  return platform;
}

void CheckGl(const char* what) {
  const GLenum e = glGetError();
  if (e != GL_NO_ERROR) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%04x", e);
    throw synthub::Error(std::string("OpenGL error ") + hex + " after " + what);
  }
}

GLuint CompileShader(GLenum kind, const char* source) {
  const GLuint s = glCreateShader(kind);
  glShaderSource(s, 1, &source, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    char log[2048];
    glGetShaderInfoLog(s, sizeof(log), nullptr, log);
    throw synthub::Error(std::string("shader: ") + log);
  }
  return s;
}

// The published pipeline's shaders, in GLSL 4.10: the vertex shader
// multiplies the three matrices in the published order; the fragment shader
// passes the colour on (discarding alpha 0, as published).
const char kVertexShader[] = R"(#version 410
uniform mat4 u_proj;
uniform mat4 u_view;
uniform mat4 u_model;
layout(location = 0) in vec3 in_position;
layout(location = 1) in vec4 in_color;
out vec4 v_color;
void main() {
  gl_Position = u_proj * u_view * u_model * vec4(in_position, 1.0);
  v_color = in_color;
}
)";
// For N x 4 input (--identity): the rows are clip coordinates (x, y, z, w).
const char kClipVertexShader[] = R"(#version 410
uniform mat4 u_proj;
uniform mat4 u_view;
uniform mat4 u_model;
layout(location = 0) in vec4 in_position;
layout(location = 1) in vec4 in_color;
out vec4 v_color;
void main() {
  gl_Position = u_proj * u_view * u_model * in_position;
  v_color = in_color;
}
)";
const char kFragmentShader[] = R"(#version 410
in vec4 v_color;
out vec4 out_color;
void main() {
  if (v_color.a == 0.0) discard;
  out_color = v_color;
}
)";

GLuint LinkProgram(bool clip_input, bool capture_position) {
  const GLuint p = glCreateProgram();
  glAttachShader(p, CompileShader(GL_VERTEX_SHADER, clip_input ? kClipVertexShader : kVertexShader));
  glAttachShader(p, CompileShader(GL_FRAGMENT_SHADER, kFragmentShader));
  if (capture_position) {
    const char* varyings[] = {"gl_Position"};
    glTransformFeedbackVaryings(p, 1, varyings, GL_INTERLEAVED_ATTRIBS);
  }
  glLinkProgram(p);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    char log[2048];
    glGetProgramInfoLog(p, sizeof(log), nullptr, log);
    throw synthub::Error(std::string("program: ") + log);
  }
  return p;
}

struct View {
  glm::mat4 proj, view;
};

// The published camera for one view: successive rotations about y applied
// to the identity, camera at -4 * (R x-axis) looking at the origin, up R y.
View PublishedView(const std::vector<float>& y_rotations, int size) {
  glm::mat4 rot(1.0f);
  for (float angle : y_rotations) rot = glm::rotate(rot, angle, glm::vec3(0.0f, 1.0f, 0.0f));
  const glm::vec3 gaze(0.0f, 0.0f, 0.0f);
  const glm::vec3 dir = glm::vec3(rot * glm::vec4(1.0f, 0.0f, 0.0f, 0.0f));
  const glm::vec3 up = glm::vec3(rot * glm::vec4(0.0f, 1.0f, 0.0f, 0.0f));
  const glm::vec3 eye = gaze - dir * 4.0f;
  View v;
  v.view = glm::lookAt(eye, gaze, up);
  v.proj = glm::perspective(glm::radians(45.0f), static_cast<float>(size) / static_cast<float>(size),
                            1.0f, 100.0f);
  return v;
}

struct Options {
  std::string cloud, out, clip_out;
  int views = 0;
  // The published scripts create their EGL context without attributes
  // (OpenGL 1.0 requested), which gives a compatibility profile: non-sprite
  // points, the legacy rasterisation rule. Core profile points are sprites.
  bool identity = false, core = false, print = false, matrices = false;
  int size = 224, point_size = 1;
};

int ParseInt(const std::string& flag, const char* value, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < lo || v > hi) {
    throw synthub::UsageError(flag + " must be an integer in [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "], got '" + value + "'");
  }
  return static_cast<int>(v);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw synthub::UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--cloud") o.cloud = value();
    else if (a == "--out") o.out = value();
    else if (a == "--clip-out") o.clip_out = value();
    else if (a == "--views") o.views = ParseInt(a, value(), 1, 360);
    else if (a == "--identity") o.identity = true;
    else if (a == "--size") o.size = ParseInt(a, value(), 1, 4096);
    else if (a == "--point-size") o.point_size = ParseInt(a, value(), 1, 64);
    else if (a == "--print") o.print = true;
    else if (a == "--matrices") o.matrices = true;
    else if (a == "--profile") {
      const std::string p = value();
      if (p != "core" && p != "compat") throw synthub::UsageError("--profile must be core or compat");
      o.core = p == "core";
    } else {
      throw synthub::UsageError("unknown flag " + a);
    }
  }
  return o;
}

void PrintMatrix(const char* name, int view, const glm::mat4& m) {
  std::printf("%s %d", name, view);
  const float* f = glm::value_ptr(m);
  for (int i = 0; i < 16; ++i) std::printf(" %.9g", f[i]);
  std::printf("\n");
}

int Render(const Options& o) {
  if (o.cloud.empty() || o.out.empty()) throw synthub::UsageError("render needs --cloud and --out");
  if ((o.views > 0) == o.identity) throw synthub::UsageError("render needs --views N or --identity");
  size_t rows = 0, cols = 0;
  const std::vector<float> xyz = synthub::codec::DecodeNpyF32(synthub::ReadFile(o.cloud), o.cloud,
                                                              &rows, &cols);
  if (cols != 3 && !(cols == 4 && o.identity)) {
    throw synthub::Error(o.cloud + ": expected N x 3 points (or N x 4 clip coordinates with "
                         "--identity), got " + std::to_string(rows) + " x " + std::to_string(cols));
  }
  std::vector<View> views;
  if (o.identity) {
    views.push_back({glm::mat4(1.0f), glm::mat4(1.0f)});
  } else {
    for (int d = 0; d < o.views; ++d) {
      const float theta = static_cast<float>(static_cast<double>(d) / o.views * M_PI * 2.0);
      views.push_back(PublishedView({theta, glm::radians(30.0f), glm::radians(0.0f)}, o.size));
    }
  }
  CreateContext(o.core);
  const GLuint program = LinkProgram(cols == 4, !o.clip_out.empty());
  CheckGl("linking the shaders");

  GLuint fbo = 0, rbo[2] = {0, 0};
  glGenFramebuffers(1, &fbo);
  glGenRenderbuffers(2, rbo);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo);
  glBindRenderbuffer(GL_RENDERBUFFER, rbo[0]);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGB8, o.size, o.size);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, rbo[0]);
  glBindRenderbuffer(GL_RENDERBUFFER, rbo[1]);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT16, o.size, o.size);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, rbo[1]);
  if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
    throw synthub::Error("the RGB8 + DEPTH_COMPONENT16 framebuffer is incomplete");
  }
  CheckGl("creating the framebuffer");

  // Positions (location 0) and a white RGB colour per point (location 1,
  // read as a vec4: alpha defaults to 1).
  const std::vector<float> white(rows * 3, 1.0f);
  GLuint vao = 0, vbo[2] = {0, 0};
  glGenVertexArrays(1, &vao);
  glBindVertexArray(vao);
  glGenBuffers(2, vbo);
  glBindBuffer(GL_ARRAY_BUFFER, vbo[0]);
  glBufferData(GL_ARRAY_BUFFER, xyz.size() * sizeof(float), xyz.data(), GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, static_cast<GLint>(cols), GL_FLOAT, GL_FALSE,
                        static_cast<GLsizei>(cols * sizeof(float)), nullptr);
  glBindBuffer(GL_ARRAY_BUFFER, vbo[1]);
  glBufferData(GL_ARRAY_BUFFER, white.size() * sizeof(float), white.data(), GL_STATIC_DRAW);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 3 * sizeof(float), nullptr);
  CheckGl("uploading the cloud");

  glUseProgram(program);
  const glm::mat4 model(1.0f);
  glUniformMatrix4fv(glGetUniformLocation(program, "u_model"), 1, GL_FALSE, glm::value_ptr(model));
  const GLint proj_at = glGetUniformLocation(program, "u_proj");
  const GLint view_at = glGetUniformLocation(program, "u_view");
  glEnable(GL_DEPTH_TEST);
  glPointSize(static_cast<float>(o.point_size));
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  synthub::MakeDirs(o.out);
  std::vector<uint8_t> rgb(static_cast<size_t>(o.size) * o.size * 3);
  for (size_t d = 0; d < views.size(); ++d) {
    glUniformMatrix4fv(proj_at, 1, GL_FALSE, glm::value_ptr(views[d].proj));
    glUniformMatrix4fv(view_at, 1, GL_FALSE, glm::value_ptr(views[d].view));
    if (o.matrices) {
      PrintMatrix("proj", static_cast<int>(d), views[d].proj);
      PrintMatrix("view", static_cast<int>(d), views[d].view);
    }
    if (d == 0 && !o.clip_out.empty()) {
      // gl_Position of every vertex, exactly as the rasteriser receives it.
      GLuint feedback = 0;
      glGenBuffers(1, &feedback);
      glBindBuffer(GL_TRANSFORM_FEEDBACK_BUFFER, feedback);
      glBufferData(GL_TRANSFORM_FEEDBACK_BUFFER, rows * 4 * sizeof(float), nullptr,
                   GL_STATIC_READ);
      glBindBufferBase(GL_TRANSFORM_FEEDBACK_BUFFER, 0, feedback);
      glEnable(GL_RASTERIZER_DISCARD);
      glBeginTransformFeedback(GL_POINTS);
      glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(rows));
      glEndTransformFeedback();
      glDisable(GL_RASTERIZER_DISCARD);
      std::vector<float> clip(rows * 4);
      glGetBufferSubData(GL_TRANSFORM_FEEDBACK_BUFFER, 0, clip.size() * sizeof(float),
                         clip.data());
      CheckGl("capturing gl_Position");
      synthub::WriteFileAtomic(o.clip_out,
                               synthub::codec::EncodeNpyF32(clip.data(), rows, 4));
    }
    glBindFramebuffer(GL_FRAMEBUFFER, fbo);
    glViewport(0, 0, o.size, o.size);
    glClearColor(0.0f, 0.0f, 0.0f, 0.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(rows));
    glFinish();
    glReadPixels(0, 0, o.size, o.size, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
    CheckGl("drawing the points");
    char name[32];
    std::snprintf(name, sizeof(name), "view_%03zu.png", d);
    synthub::codec::EncodeOptions png;
    synthub::WriteFileAtomic(synthub::JoinPath(o.out, name),
                             synthub::codec::EncodeImage(rgb.data(), o.size, o.size, 3, png));
    if (o.print) {
      for (int y = 0; y < o.size; ++y) {
        for (int x = 0; x < o.size; ++x) {
          const uint8_t* p = &rgb[(static_cast<size_t>(y) * o.size + x) * 3];
          if (p[0] | p[1] | p[2]) std::printf("%zu %d %d\n", d, x, y);
        }
      }
    }
  }
  return 0;
}

int Info(const Options& o) {
  const std::string platform = CreateContext(o.core);
  std::printf("platform: %s\nGL_VERSION: %s\nGL_RENDERER: %s\n", platform.c_str(),
              reinterpret_cast<const char*>(glGetString(GL_VERSION)),
              reinterpret_cast<const char*>(glGetString(GL_RENDERER)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "info") return Info(ParseOptions(argc, argv));
  if (cmd == "render") return Render(ParseOptions(argc, argv));
  std::fprintf(stderr, "usage: gl_points_tool info|render ... (see tests/gl_points_tool.cc)\n");
  return 2;
} catch (const NoContext& e) {
  std::fprintf(stderr, "gl_points_tool: SKIP: no headless OpenGL context: %s\n", e.why.c_str());
  return kSkip;
} catch (const synthub::UsageError& e) {
  std::fprintf(stderr, "gl_points_tool: %s\n", e.what());
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "gl_points_tool: %s\n", e.what());
  return 1;
}
