# cmake -DINPUT=<file> -DOUTPUT=<file.inc> -P EmbedFile.cmake
# Writes the contents of INPUT as a C++ raw string literal into OUTPUT.
file(READ "${INPUT}" content)
file(WRITE "${OUTPUT}.tmp" "R\"KRED_EMBED(${content})KRED_EMBED\"\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
