{
  "targets": [
    {
      "target_name": "colliery_native",
      "sources": [
        "src/addon.cc",
        "src/sha256.cc",
        "src/submit.cc",
        "src/bignum.cc",
        "src/prime.cc",
        "src/fanout.cc",
        "src/listen.cc"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O2", "-O0", "-Os"],
      "cflags_cc!": ["-O2", "-O0", "-Os", "-fno-exceptions"],
      "cflags": ["-O3", "-fno-strict-aliasing"],
      "cflags_cc": ["-O3", "-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "Optimization": 2 }
      }
    }
  ]
}
