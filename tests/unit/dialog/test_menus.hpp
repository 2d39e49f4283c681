#pragma once
// A small menu written in the tests (structure + Spanish + English texts), shaped like the shipped
// menus/menu.toml, so menu_set and engine tests do not depend on the shipped texts.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dialog/menu_set.hpp"
#include "support/shipped_data.hpp"

namespace ventanilla::dialog::test_menus {

inline constexpr std::string_view kStructure = R"(# test menu
start = "language"
home = "need"

[languages]
order = ["es", "en"]

[navigation]
back = "0"
home = "00"
next = "98"
previous = "99"

[[node]]
id = "language"
kind = "language"
title = "language.title"
next = "country"

[[node]]
id = "country"
kind = "country"
title = "country.title"
next = "need"

[[node]]
id = "need"
kind = "choice"
title = "need.title"
options = [
  { label = "need.hub", goto = "where", service = "info" },
  { label = "need.risks", goto = "risks" },
  { label = "need.settings", goto = "settings" },
]

[[node]]
id = "where"
kind = "choice"
title = "where.title"
options = [
  { label = "where.admin1", goto = "admin1" },
  { label = "where.type_town", goto = "town" },
]

[[node]]
id = "admin1"
kind = "admin1"
title = "admin1.title"
next = "hubs"

[[node]]
id = "town"
kind = "input"
title = "town.prompt"
handler = "place_search"
next = "town_matches"

[[node]]
id = "town_matches"
kind = "places"
title = "town_matches.title"
empty = "town_matches.none"
next = "hubs"

[[node]]
id = "hubs"
kind = "hubs"
title = "hubs.title"
empty = "hubs.none"
next = "hub"

[[node]]
id = "hub"
kind = "hub"
options = [
  { label = "hub.send_sms", goto = "sms_sent", action = "send_hub_sms" },
]

[[node]]
id = "sms_sent"
kind = "end"
text = "sms_sent.text"

[[node]]
id = "risks"
kind = "info"
text = "risks.text"

[[node]]
id = "settings"
kind = "choice"
title = "settings.title"
options = [
  { label = "settings.language", goto = "language" },
  { label = "settings.opt_out", goto = "opted_out" },
]

[[node]]
id = "opted_out"
kind = "end"
text = "opted_out.text"
action = "opt_out"
)";

inline constexpr std::string_view kSpanish = R"([language]
name = "Español"
title = "Idioma"

[nav]
back = "Atrás"
home = "Inicio"
next = "Más"
previous = "Antes"

[hint]
invalid = "Opción no válida"

[error]
apology = "Lo sentimos, hubo un error. Intente más tarde."

[resume]
title = "¿Seguir donde quedó?"
continue = "Seguir"
restart = "Empezar de nuevo"

[hub]
phone = "Tel."
hours = "Horario:"
no_phone = "Sin teléfono"
unverified = "Datos sin verificar"
approximate = "Ubicación aproximada"
send_sms = "Recibir por SMS"

[sms]
footer = "Ventanilla OIM"
stopped = "No recibira mas SMS. Envie ALTA para volver."
started = "Volvera a recibir SMS."
help = "Envie MENU o CENTRO y su ciudad."
erased = "Borramos sus datos."
hub_usage = "Envie CENTRO y su ciudad."
hub_none = "No encontramos esa ciudad."

[country]
title = "País"

[need]
title = "¿Qué necesita?"
hub = "Oficina de información"
risks = "Riesgos del viaje"
settings = "Ajustes"

[where]
title = "¿Dónde está?"
admin1 = "Elegir departamento"
type_town = "Escribir el pueblo"

[admin1]
title = "Departamento"

[town]
prompt = "Escriba su pueblo"

[town_matches]
title = "Elija su pueblo"
none = "No encontramos ese pueblo"

[hubs]
title = "Oficinas cercanas"
none = "No hay oficinas cerca"

[sms_sent]
text = "Le enviamos los datos por SMS."

[risks]
text = "Viajar sin papeles es peligroso. Hay gente que cobra mucho y miente sobre el camino. Nunca entregue sus documentos a nadie. Lleve agua y avise a su familia por donde va. Si necesita ayuda llame a la linea gratuita de emergencia. Las oficinas de informacion le orientan sin costo y sin preguntar su situacion migratoria. Guarde este numero y compartalo con quien viaja con usted."

[settings]
title = "Ajustes"
language = "Cambiar idioma"
opt_out = "No recibir más mensajes"

[opted_out]
text = "Listo. No le enviaremos más mensajes."

[keywords]
stop = "ALTO BAJA"
start = "ALTA"
help = "AYUDA"
menu = "MENU INICIO"
erase = "BORRAR"
hub = "CENTRO"
)";

inline constexpr std::string_view kEnglish = R"([language]
name = "English"
title = "Language"

[nav]
back = "Back"
home = "Home"
next = "More"
previous = "Prev"

[hint]
invalid = "Invalid option"

[error]
apology = "Sorry, something went wrong. Please try later."

[resume]
title = "Continue where you left?"
continue = "Continue"
restart = "Start over"

[hub]
phone = "Tel."
hours = "Hours:"
no_phone = "No phone"
unverified = "Data not verified"
approximate = "Approximate location"
send_sms = "Get it by SMS"

[sms]
footer = "Ventanilla IOM"
stopped = "No more SMS. Send START to resume."
started = "You will get SMS again."
help = "Send MENU or HUB and your town."
erased = "We deleted your data."
hub_usage = "Send HUB and your town."
hub_none = "We could not find that town."

[country]
title = "Country"

[need]
title = "What do you need?"
hub = "Information office"
risks = "Travel risks"
settings = "Settings"

[where]
title = "Where are you?"
admin1 = "Pick a department"
type_town = "Type your town"

[admin1]
title = "Department"

[town]
prompt = "Type your town"

[town_matches]
title = "Pick your town"
none = "We did not find that town"

[hubs]
title = "Nearest offices"
none = "No office nearby"

[sms_sent]
text = "We sent you the details by SMS."

[risks]
text = "Travelling without papers is dangerous. Some people charge a lot and lie about the road. Never hand your documents to anyone. Carry water and tell your family where you are going. If you need help call the free emergency line. The information offices advise you at no cost and without asking about your migration status. Keep this number and share it with whoever travels with you."

[settings]
title = "Settings"
language = "Change language"
opt_out = "Stop messages"

[opted_out]
text = "Done. We will not send you more messages."

[keywords]
stop = "STOP"
start = "START"
help = "HELP"
menu = "MENU"
erase = "DELETE"
hub = "HUB"
)";

inline std::vector<MenuFile> files() {
  return {{"menu.toml", std::string(kStructure)},
          {"texts/es.toml", std::string(kSpanish)},
          {"texts/en.toml", std::string(kEnglish)}};
}

// The test menu built; a failure is recorded (with every diagnostic) when it does not build.
inline std::shared_ptr<const MenuSet> build() {
  MenuBuild built = MenuSet::build(files());
  for (const auto& e : built.errors) ADD_FAILURE() << "test menu: " << e.to_string();
  return built.menus;
}

// The shipped menus/ (menu.toml and texts/*.toml) as MenuFiles; texts/ may be missing (the
// caller reports it).
inline std::vector<MenuFile> shipped_files() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(VENTANILLA_SOURCE_DIR) / "menus";
  std::vector<MenuFile> files;
  files.push_back({"menu.toml", test::read_file(dir / "menu.toml")});
  if (fs::is_directory(dir / "texts")) {
    for (const auto& entry : fs::directory_iterator(dir / "texts")) {
      if (entry.path().extension() != ".toml") continue;
      files.push_back({"texts/" + entry.path().filename().string(), test::read_file(entry.path())});
    }
  }
  return files;
}

}  // namespace ventanilla::dialog::test_menus
