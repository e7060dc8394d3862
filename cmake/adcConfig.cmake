# find_package(adc CONFIG PATHS path/to/adc/cmake): adc_add_derivatives().
include("${CMAKE_CURRENT_LIST_DIR}/adc.cmake")
set(adc_FOUND TRUE)
