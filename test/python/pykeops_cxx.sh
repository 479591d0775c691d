#!/bin/sh
# C++ compiler wrapper for pykeops (the tests' oracle): the same g++ command
# without -O3/-flto, which halves the per-formula compile time of pykeops'
# JIT. Used only by test/python/oracle.py through the CXX variable.
args=""
for a in "$@"; do
  case "$a" in
    -O3|-flto|-flto=*) ;;
    *) args="$args '$(printf %s "$a" | sed "s/'/'\\\\''/g")'" ;;
  esac
done
eval exec g++ -O0 $args
