# Compliance building blocks: E.164 phone numbers, recipient time zones and
# quiet hours. Included from connector/CMakeLists.txt.
if(NOT TARGET date::date-tz)
  # Debian's date-tz is built with USE_OS_TZDB=1: it reads /usr/share/zoneinfo
  # and never downloads a database.
  find_package(date REQUIRED)
endif()
add_library(sfn_compliance STATIC
  ${CMAKE_CURRENT_LIST_DIR}/phone.cc
  ${CMAKE_CURRENT_LIST_DIR}/time_zones.cc
  ${CMAKE_CURRENT_LIST_DIR}/quiet_hours.cc)
target_link_libraries(sfn_compliance PUBLIC sfn_common phonenumber_deps date::date-tz)
